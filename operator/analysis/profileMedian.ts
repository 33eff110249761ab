/**
 * The typical heap profile of a pod over its last few scrapes: per site (function + file), the
 * median of bytes, objects and Buffer objects, and the median external memory.
 *
 * Why: the sampling profiler sees an allocation only if one of its samples lands on it, and a
 * transient buffer (an SRTP output about to be sent) is in the profile only if it happened to be
 * alive at that instant. One profile can therefore show a transient site with megabytes it does
 * not hold; a retained one (a history that keeps packet copies) shows in every profile. The
 * median keeps what is there most of the time and drops one-off spikes, so `topGrowth` names what
 * a pod holds, not what it happened to be sending.
 */
import type { ProfileSites } from "./siteDiff.js";
import type { SiteUsage } from "./types.js";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function medianProfile(profiles: readonly ProfileSites[]): ProfileSites | undefined {
  if (profiles.length === 0) return undefined;
  if (profiles.length === 1) return profiles[0];
  const bySite = new Map<string, Array<SiteUsage | undefined>>();
  profiles.forEach((profile, i) => {
    for (const site of profile.sites) {
      const key = `${site.function}\u0000${site.file}`;
      const column = bySite.get(key) ?? new Array<SiteUsage | undefined>(profiles.length).fill(undefined);
      const present = column[i];
      // Two entries with one key in a profile (same function and file, other lines): summed.
      column[i] = present ? { ...present, bytes: present.bytes + site.bytes, objects: present.objects + site.objects, bufferObjects: present.bufferObjects + site.bufferObjects } : site;
      bySite.set(key, column);
    }
  });
  const sites: SiteUsage[] = [];
  for (const column of bySite.values()) {
    const seen = column.filter((s): s is SiteUsage => s !== undefined);
    // Absent from a profile = 0 there: a site seen once in five has a median of 0.
    const of = (pick: (s: SiteUsage) => number) => median(column.map((s) => (s ? pick(s) : 0)));
    const bytes = of((s) => s.bytes);
    if (bytes === 0 && of((s) => s.bufferObjects) === 0) continue;
    const largest = seen.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    sites.push({ function: largest.function, file: largest.file, line: largest.line, bytes, objects: of((s) => s.objects), bufferObjects: of((s) => s.bufferObjects) });
  }
  return { sites, externalBytes: median(profiles.map((p) => p.externalBytes)) };
}

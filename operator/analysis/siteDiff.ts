/**
 * Which allocation sites grew from the baseline's heap profile to the canary's: the `topGrowth`
 * a person reads when a revision is rolled back.
 *
 * The steps, and why:
 *  1. Match sites by function + file. Lines move with every edit; a line-keyed diff would call
 *     every site in a touched file new. Entries with the same key are summed; the reported
 *     `location` is the canary's "file:line" of the key's largest entry.
 *  2. Net moves within a file. A function renamed or split inside its file shows as one site
 *     shrinking and another growing by the same amount; that cost moved, it was not added. Per
 *     file, the growing sites' growth is scaled down by the shrinkage of the others (separately
 *     for heap bytes and for Buffer object counts).
 *  3. Attribute external growth. Buffers keep their data in external memory, which the heap
 *     sampler does not see: it sees only Buffer objects (`bufferObjects`). The growth of external
 *     memory (canary − baseline, when positive) is shared among the sites whose netted Buffer
 *     count grew, in proportion to that count growth. In the seed regression (a NACK history per
 *     viewer) this is nearly all of it: +240 MB external against a few MB of heap.
 *  4. Never claim more than grew. If the sites' positive growth adds up to more than the whole
 *     profile grew (heap samples + external), every site is scaled down by the same factor; if
 *     the profile did not grow, nothing is reported.
 *  5. Report only sites a person can act on: no `(external)`, `(node internals)` or other
 *     parenthesised names (anonymous and synthetic frames), no `node:` files, no frames without a
 *     file (V8 builtins). They still take part in steps 2-4, so their share is not pinned on a
 *     project function. Largest growth first; only growth of at least `minBytes`.
 *
 * `baselineBytes` is the site's heap bytes plus its share of the baseline's external memory (by
 * its share of the baseline's Buffer objects); `currentBytes` = baselineBytes + growthBytes, so the
 * three numbers always agree.
 */
import type { HeapGrowth } from "../api/types.js";
import type { SiteUsage } from "./types.js";

export interface ProfileSites {
  sites: SiteUsage[];
  /** External memory of the pod when the profile was taken, bytes. */
  externalBytes: number;
}

export interface TopGrowthOptions {
  /** Most sites returned (default 5). */
  limit?: number;
  /** Smallest growth reported, bytes (default 256 KiB). */
  minBytes?: number;
}

export const DEFAULT_TOP_GROWTH_LIMIT = 5;
export const DEFAULT_MIN_GROWTH_BYTES = 256 * 1024;

interface Folded {
  function: string;
  file: string;
  bytes: number;
  buffers: number;
  /** Line of the largest entry, and that entry's size, to pick the location. */
  line?: number;
  lineWeight: number;
}

interface Site {
  key: string;
  function: string;
  file: string;
  line?: number;
  baseline: Folded | undefined;
  canary: Folded | undefined;
  heapGrowth: number;
  bufferGrowth: number;
  growth: number;
}

/** True for a site a person can act on (rule 5). */
export function isReportable(site: { function: string; file: string }): boolean {
  const name = site.function.trim();
  if (name === "" || (name.startsWith("(") && name.endsWith(")"))) return false;
  return site.file !== "" && !site.file.startsWith("node:");
}

const keyOf = (s: { function: string; file: string }): string => `${s.function}\u0000${s.file}`;
const positive = (v: number): number => (v > 0 ? v : 0);
const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

function fold(sites: readonly SiteUsage[]): Map<string, Folded> {
  const out = new Map<string, Folded>();
  for (const s of sites) {
    const key = keyOf(s);
    const f = out.get(key) ?? { function: s.function, file: s.file, bytes: 0, buffers: 0, lineWeight: -1 };
    const bytes = positive(finite(s.bytes));
    const buffers = positive(finite(s.bufferObjects));
    f.bytes += bytes;
    f.buffers += buffers;
    if (bytes + buffers > f.lineWeight) {
      f.line = s.line;
      f.lineWeight = bytes + buffers;
    }
    out.set(key, f);
  }
  return out;
}

/** Scales the growers of each file down by the shrinkage of the file's other sites (rule 2). */
function netWithinFiles(sites: Site[], growthOf: (s: Site) => number): Map<string, number> {
  const byFile = new Map<string, Site[]>();
  for (const s of sites) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  const netted = new Map<string, number>();
  for (const group of byFile.values()) {
    const grown = group.reduce((acc, s) => acc + positive(growthOf(s)), 0);
    const shrunk = group.reduce((acc, s) => acc + positive(-growthOf(s)), 0);
    const keep = grown > 0 ? positive(grown - shrunk) / grown : 0;
    for (const s of group) netted.set(s.key, positive(growthOf(s)) * keep);
  }
  return netted;
}

export function topGrowth(baseline: ProfileSites, canary: ProfileSites, options: TopGrowthOptions = {}): HeapGrowth[] {
  const limit = options.limit ?? DEFAULT_TOP_GROWTH_LIMIT;
  const minBytes = options.minBytes ?? DEFAULT_MIN_GROWTH_BYTES;
  const before = fold(baseline.sites);
  const after = fold(canary.sites);

  const sites: Site[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const c = after.get(key);
    const any = (c ?? b)!;
    const site: Site = {
      key,
      function: any.function,
      file: any.file,
      baseline: b,
      canary: c,
      heapGrowth: (c?.bytes ?? 0) - (b?.bytes ?? 0),
      bufferGrowth: (c?.buffers ?? 0) - (b?.buffers ?? 0),
      growth: 0,
    };
    if (c?.line !== undefined) site.line = c.line;
    sites.push(site);
  }

  const heapNet = netWithinFiles(sites, (s) => s.heapGrowth);
  const bufferNet = netWithinFiles(sites, (s) => s.bufferGrowth);
  const externalGrowth = positive(finite(canary.externalBytes) - finite(baseline.externalBytes));
  const buffersGrown = [...bufferNet.values()].reduce((acc, v) => acc + v, 0);
  for (const s of sites) {
    const externalShare = buffersGrown > 0 ? (externalGrowth * bufferNet.get(s.key)!) / buffersGrown : 0;
    s.growth = heapNet.get(s.key)! + externalShare;
  }

  // Rule 4: the whole profile's growth bounds what the sites may claim together.
  const sum = (m: Map<string, Folded>): number => [...m.values()].reduce((acc, f) => acc + f.bytes, 0);
  const profileGrowth = sum(after) - sum(before) + (finite(canary.externalBytes) - finite(baseline.externalBytes));
  const claimed = sites.reduce((acc, s) => acc + s.growth, 0);
  if (!(profileGrowth > 0) || !(claimed > 0)) return [];
  const scale = Math.min(1, profileGrowth / claimed);

  const baselineBuffers = [...before.values()].reduce((acc, f) => acc + f.buffers, 0);
  const baselineExternal = positive(finite(baseline.externalBytes));
  return sites
    .filter((s) => isReportable(s))
    .map((s): HeapGrowth => {
      const externalBefore = baselineBuffers > 0 ? (baselineExternal * (s.baseline?.buffers ?? 0)) / baselineBuffers : 0;
      const baselineBytes = Math.round((s.baseline?.bytes ?? 0) + externalBefore);
      const growthBytes = Math.round(s.growth * scale);
      const entry: HeapGrowth = { function: s.function, baselineBytes, currentBytes: baselineBytes + growthBytes, growthBytes };
      // pprof writes line 0 for "unknown"; then the file alone still says where to look.
      if (s.canary) entry.location = s.line !== undefined && s.line > 0 ? `${s.file}:${s.line}` : s.file;
      return entry;
    })
    .filter((g) => g.growthBytes > 0 && g.growthBytes >= minBytes)
    .sort((x, y) => y.growthBytes - x.growthBytes || x.function.localeCompare(y.function))
    .slice(0, Math.max(0, limit));
}

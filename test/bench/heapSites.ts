/**
 * Pure helpers for the heap-per-viewer benchmark: least-squares slope with r², and a pprof
 * heap profile folded into allocation sites (leaf frame, and the first frame in our code or
 * werift: the "owner" that asked for the memory), so two profiles can be diffed per site.
 */
import { Profile } from "pprof-format";

export interface Fit {
  slope: number;
  intercept: number;
  r2: number;
}

/** Ordinary least squares y = slope·x + intercept; r² is 1 for a perfect line, NaN with < 2 points. */
export function linearFit(xs: number[], ys: number[]): Fit {
  const n = xs.length;
  if (n !== ys.length) throw new Error("linearFit: xs and ys differ in length");
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** inuse_space per site name; `leaf` keys by the allocating frame, `owner` by the first frame in our code or werift. */
export interface SiteBytes {
  total: number;
  leaf: Map<string, number>;
  owner: Map<string, number>;
}

const OWN_CODE = /(media-node\/|werift)/;

/** A repository-relative-ish file name: from node_modules/ or media-node/ on, else the base name. */
function shortFile(file: string): string {
  const at = Math.max(file.lastIndexOf("node_modules/"), file.lastIndexOf("media-node/"));
  if (at >= 0) return file.slice(at).replace(/^node_modules\//, "");
  return file.slice(file.lastIndexOf("/") + 1);
}

export function foldProfile(encoded: Uint8Array): SiteBytes {
  const profile = Profile.decode(encoded);
  const str = (i: unknown) => profile.stringTable.strings[Number(i)] ?? "?";
  const space = profile.sampleType.findIndex((t) => str(t.type) === "inuse_space");
  if (space < 0) throw new Error("heap profile has no inuse_space sample type");
  const fns = new Map(profile.function.map((f) => [Number(f.id), { name: str(f.name) || "(anonymous)", file: str(f.filename) }]));
  const frame = new Map(
    profile.location.map((l) => {
      const line = l.line[0];
      const fn = fns.get(Number(line?.functionId));
      const file = fn?.file ?? "";
      return [Number(l.id), { label: `${fn?.name ?? "?"} ${file ? `${shortFile(file)}:${Number(line?.line ?? 0)}` : ""}`.trim(), own: OWN_CODE.test(file) }];
    }),
  );
  const out: SiteBytes = { total: 0, leaf: new Map(), owner: new Map() };
  const add = (map: Map<string, number>, key: string, bytes: number) => map.set(key, (map.get(key) ?? 0) + bytes);
  for (const s of profile.sample) {
    const bytes = Number(s.value[space] ?? 0);
    out.total += bytes;
    const frames = s.locationId.map((id) => frame.get(Number(id)));
    add(out.leaf, frames[0]?.label ?? "?", bytes);
    add(out.owner, frames.find((f) => f?.own)?.label ?? `(no own frame) ${frames[0]?.label ?? "?"}`, bytes);
  }
  return out;
}

export interface SiteGrowth {
  site: string;
  /** bytes per viewer (least-squares over the steps) */
  bytesPerViewer: number;
  r2: number;
  /** bytes at the largest step */
  lastBytes: number;
}

/** Per site, the slope of its bytes against the viewer count; largest growth first. */
export function siteGrowth(viewers: number[], maps: Array<Map<string, number>>, top: number): SiteGrowth[] {
  const sites = new Set(maps.flatMap((m) => [...m.keys()]));
  const rows: SiteGrowth[] = [];
  for (const site of sites) {
    const ys = maps.map((m) => m.get(site) ?? 0);
    const fit = linearFit(viewers, ys);
    rows.push({ site, bytesPerViewer: fit.slope, r2: fit.r2, lastBytes: ys[ys.length - 1]! });
  }
  return rows.filter((r) => Number.isFinite(r.bytesPerViewer)).sort((a, b) => b.bytesPerViewer - a.bytesPerViewer).slice(0, top);
}

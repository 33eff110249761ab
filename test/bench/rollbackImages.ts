/**
 * The rollback benchmark's image map (test/sim image-map contract): the shipped entries
 * (good, good2, leaky, ...) unchanged, plus
 *   - `leaky-2`, `leaky-3`, ...: the same env as `leaky`, so each leaky rollout is a fresh
 *     revision (a rejected one would need mediafleet.io/retry to be analysed again);
 *   - `slowleak-<rate>`: this build with test/bench/rollbackLeak.mjs imported, retaining
 *     <rate> MB (10^6 bytes) per minute.
 * Written to a temp file and given to the sim as `imageMapPath`; the repository's map is untouched.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadImageMap, SHIPPED_IMAGE_MAP, type ImageEntry } from "../sim/imageMap.js";
import { bytesPerSecond } from "./rollbackStats.js";

export const IMAGE = (tag: string): string => `ghcr.io/mediafleet/media-node:${tag}`;

/** The k-th leaky rollout's image (1-based): the seed's own `leaky` first. */
export const leakyImage = (k: number): string => IMAGE(k <= 1 ? "leaky" : `leaky-${k}`);

export const slowLeakImage = (mbPerMinute: number): string => IMAGE(`slowleak-${mbPerMinute}`);

export const LEAK_MODULE = "test/bench/rollbackLeak.mjs";

/** Pure: the shipped entries plus the bench's own. */
export function benchImageEntries(shipped: readonly ImageEntry[], options: { leakyCopies: number; leakRates: readonly number[]; leakModulePath: string }): ImageEntry[] {
  const leaky = shipped.find((e) => e.image === IMAGE("leaky"));
  if (!leaky) throw new Error(`the shipped image map has no ${IMAGE("leaky")}`);
  const entries: ImageEntry[] = [...shipped];
  for (let k = 2; k <= options.leakyCopies; k++) entries.push({ image: leakyImage(k), env: { ...leaky.env } });
  for (const rate of options.leakRates) {
    entries.push({
      image: slowLeakImage(rate),
      env: { NODE_OPTIONS: `--import ${options.leakModulePath}`, BENCH_LEAK_BYTES_PER_SECOND: String(Math.round(bytesPerSecond(rate))) },
    });
  }
  return entries;
}

/** Writes the map to a temp file, checks it loads as the sim will load it, returns its path. */
export function writeBenchImageMap(repoRoot: string, options: { leakyCopies: number; leakRates: readonly number[] }): string {
  const shipped = loadImageMap(join(repoRoot, SHIPPED_IMAGE_MAP), repoRoot);
  const entries = benchImageEntries(shipped.entries, { ...options, leakModulePath: join(repoRoot, LEAK_MODULE) });
  const file = join(mkdtempSync(join(tmpdir(), "mediafleet-bench-rollback-")), "images.yaml");
  const header = "# Written by test/bench/rollback.ts for one run: test/sim/images.yaml plus the bench's images.\n";
  writeFileSync(file, header + stringify(entries.map((e) => ({ image: e.image, env: { ...e.env } }))));
  loadImageMap(file, repoRoot);
  return file;
}

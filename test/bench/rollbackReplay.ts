/**
 * Replays the series a rollback benchmark recorded (each rollout's status.analysis.points)
 * through the verdict as it is NOW in operator/analysis, round by round as the operator judges
 * them, and sets the replayed verdict beside the recorded one. The series up to a decision does
 * not depend on the verdict, so a change to the analysis can be judged on a long run's data
 * without running it again. Where the recorded run stopped early (a rollback), the replay can
 * only say what the verdict is by the end of the recorded series.
 *
 *   node --import tsx test/bench/rollbackReplay.ts [--infer-first-gc] bench-results/rollback-<iso>.json
 *
 * `--infer-first-gc`: for runs recorded before rounds waited for both pods' first major GC
 * (operator/analysis/firstMajorGc.ts), leave out the points that rule would have left out
 * (`withoutYoungReadings`). A run recorded since holds counted rounds only: replay it as it is.
 */
import { readFileSync } from "node:fs";
import { judge, type VerdictSettings } from "../../operator/analysis/verdict.js";
import type { AnalysisPoint } from "../../operator/api/types.js";

export interface Replayed {
  phase: string;
  reason: string;
  /** Seconds after Ready of the round that decided (or of the last recorded round). */
  atSeconds: number | undefined;
  message: string;
  /** The recorded series ended before the replayed verdict was final. */
  truncated: boolean;
}

/**
 * Judges after every point, as the operator does after every scrape round, and stops at the
 * first final phase. The operator also judges between rounds (any reconcile), where only the
 * elapsed time moves: `endSeconds` (when the recorded run decided) gives that last look, which
 * is where a window that ended without a failure passes.
 */
export function replay(points: readonly AnalysisPoint[], settings: VerdictSettings, endSeconds?: number): Replayed {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const look = (n: number, elapsedSeconds: number): Replayed => {
    const series = sorted.slice(0, n);
    const verdict = judge({
      canary: series.map((p) => ({ t: p.t, bytes: p.canaryBytes, viewers: p.canaryViewers })),
      baseline: series.map((p) => ({ t: p.t, bytes: p.baselineBytes, viewers: p.baselineViewers })),
      settings,
      elapsedSeconds,
    });
    return { phase: verdict.phase, reason: verdict.reason, atSeconds: elapsedSeconds, message: verdict.message, truncated: verdict.phase === "Running" };
  };
  let last: Replayed = { phase: "Running", reason: "Collecting", atSeconds: undefined, message: "no points", truncated: true };
  for (let n = 1; n <= sorted.length; n++) {
    last = look(n, sorted[n - 1]!.t);
    if (!last.truncated) return last;
  }
  if (endSeconds !== undefined && endSeconds > (last.atSeconds ?? 0)) last = look(sorted.length, endSeconds);
  return last;
}

/**
 * A series recorded before the first-major-GC rule, without the points that rule would have left
 * out, inferred from the readings (those runs did not record GC counts). A reading after a
 * major GC holds until the next one, so the next scrape repeats it to the byte when the GCs are
 * further apart than the scrapes; a pod's current memory (before its first major GC) never
 * repeats. Each pod counts from its first reading the next scrape repeats, and a point counts
 * once both do. Conservative: a pod collecting at every scrape from the start has all its points
 * left out, and readings after a GC but before the first repeat go too.
 */
export function withoutYoungReadings(points: readonly AnalysisPoint[]): AnalysisPoint[] {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const firstHeld = (bytes: (p: AnalysisPoint) => number): number => {
    for (let i = 0; i + 1 < sorted.length; i++) if (bytes(sorted[i]!) === bytes(sorted[i + 1]!)) return i;
    return sorted.length;
  };
  return sorted.slice(Math.max(firstHeld((p) => p.canaryBytes), firstHeld((p) => p.baselineBytes)));
}

interface RecordedRollout {
  index: number;
  kind: string;
  image: string;
  phase: string;
  reason: string;
  readyToDecisionS?: number;
  points: AnalysisPoint[];
}

async function main(file: string, inferFirstGc: boolean): Promise<void> {
  const run = JSON.parse(readFileSync(file, "utf8")) as { date: string; settings: { window: string; minSamples: number; maxHeapRegressionPercent: number; minRegressionMiB: number; normalizeBy: "viewers" | "none" }; rollouts: RecordedRollout[] };
  const s = run.settings;
  const settings: VerdictSettings = {
    maxRegressionPercent: s.maxHeapRegressionPercent,
    minRegressionBytes: s.minRegressionMiB * 1024 * 1024,
    minSamples: s.minSamples,
    windowSeconds: Number.parseFloat(s.window),
    normalizeBy: s.normalizeBy,
  };
  const lines = ["| # | actual | image | recorded | replayed now | changed |", "|---|---|---|---|---|---|"];
  let changed = 0;
  for (const r of run.rollouts) {
    const now = replay(inferFirstGc ? withoutYoungReadings(r.points) : r.points, settings, r.readyToDecisionS);
    const same = now.phase === r.phase && now.reason === r.reason;
    if (!same) changed++;
    const replayed = `${now.phase}/${now.reason}${now.atSeconds !== undefined ? ` at ${now.atSeconds.toFixed(0)} s` : ""}${now.truncated ? " (series ended)" : ""}`;
    lines.push(`| ${r.index} | ${r.kind} | ${r.image.replace(/^.*:/, "")} | ${r.phase}/${r.reason} at ${r.readyToDecisionS ?? "—"} s | ${replayed} | ${same ? "" : "yes"} |`);
  }
  const how = inferFirstGc ? ", rounds before either pod's first major GC left out (inferred)" : "";
  process.stdout.write(`replay of ${file} (run ${run.date}) through the current verdict${how}:\n${lines.join("\n")}\n${changed} of ${run.rollouts.length} verdicts differ\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) throw new Error("usage: rollbackReplay.ts [--infer-first-gc] bench-results/rollback-<iso>.json");
  await main(file, args.includes("--infer-first-gc"));
}

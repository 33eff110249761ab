import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { AnalysisPoint } from "../../operator/api/types.js";
import { replay, withoutYoungReadings } from "./rollbackReplay.js";

const settings = { maxRegressionPercent: 20, minRegressionBytes: 8 * 1024 * 1024, minSamples: 6, windowSeconds: 60, normalizeBy: "viewers" as const };

/** A point every 2 s for `seconds`; baseline ~30 MB with a little deterministic jitter. */
function series(seconds: number, canaryOffset: number): AnalysisPoint[] {
  return Array.from({ length: Math.floor(seconds / 2) }, (_, i) => {
    const t = 2 * (i + 1);
    const jitter = 300_000 * Math.sin(i * 1.7);
    return { t, canaryBytes: 30e6 + canaryOffset - jitter, canaryViewers: 4, baselineBytes: 30e6 + jitter, baselineViewers: 4 };
  });
}

test("replay: a lean pair is still Running at its last point and passes at the recorded decision time", () => {
  const points = series(58, 0);
  assert.equal(replay(points, settings).phase, "Running");
  assert.equal(replay(points, settings).truncated, true);
  const decided = replay(points, settings, 61);
  assert.deepEqual([decided.phase, decided.reason, decided.atSeconds, decided.truncated], ["Passed", "WithinBudget", 61, false]);
});

test("replay: a canary 20 MB over the baseline fails by the level rule once confirmed, and stops there", () => {
  const failed = replay(series(60, 20e6), settings, 61);
  assert.equal(failed.phase, "Failed");
  assert.equal(failed.reason, "HeapRegression");
  // minSamples points, then two more to confirm (verdict.ts rule 5): the 8th point, at 16 s.
  assert.equal(failed.atSeconds, 16);
});

test("replay: no points is Running, never a verdict", () => {
  assert.equal(replay([], settings).phase, "Running");
});

test("withoutYoungReadings: points count from the first reading of each pod that the next scrape repeats", () => {
  const p = (t: number, canaryBytes: number, baselineBytes: number): AnalysisPoint => ({ t, canaryBytes, canaryViewers: 2, baselineBytes, baselineViewers: 2 });
  const points = [p(2, 41e6, 30e6), p(4, 52e6, 30e6), p(6, 33e6, 30e6), p(8, 33e6, 31e6), p(10, 34e6, 31e6)];
  assert.deepEqual(withoutYoungReadings(points).map((x) => x.t), [6, 8, 10]);
  assert.deepEqual(withoutYoungReadings([p(2, 41e6, 30e6), p(4, 52e6, 30e6)]), [], "a pod whose reading never repeats: nothing counts");
});

test("the benchmark's false rollback (rollout 12 of rollback-2026-12-02T15-22-05): Failed/HeapRegression at 17 s as recorded; without the canary's readings before its first major GC, not Failed", () => {
  const run = JSON.parse(readFileSync(new URL("../../bench-results/rollback-2026-12-02T15-22-05.json", import.meta.url), "utf8")) as { rollouts: Array<{ index: number; image: string; from: string; readyToDecisionS: number; points: AnalysisPoint[] }> };
  const rollout = run.rollouts.find((r) => r.index === 12)!;
  assert.deepEqual([rollout.from, rollout.image], ["ghcr.io/mediafleet/media-node:good2", "ghcr.io/mediafleet/media-node:good"], "the same build on both sides");
  const recorded = replay(rollout.points, settings, rollout.readyToDecisionS);
  assert.deepEqual([recorded.phase, recorded.reason, Math.round(recorded.atSeconds!)], ["Failed", "HeapRegression", 17]);
  const counted = withoutYoungReadings(rollout.points);
  assert.equal(counted.length, 0, "the canary's readings differ at every scrape: it never ran a major GC in the series");
  assert.notEqual(replay(counted, settings, rollout.readyToDecisionS).phase, "Failed");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnalysisPoint } from "../../operator/api/types.js";
import { replay } from "./rollbackReplay.js";

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

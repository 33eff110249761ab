import assert from "node:assert/strict";
import { test } from "node:test";
import { LEAN, MB, constantViewers, prng, simulatePod, swing, type PodModel, type ScrapePlan } from "./simulate.js";
import type { SeriesPoint } from "./types.js";
import { judge, type Verdict, type VerdictSettings } from "./verdict.js";

const WINDOW = 300;
const SETTINGS: VerdictSettings = { maxRegressionPercent: 20, minRegressionBytes: 8 * MB, minSamples: 6, windowSeconds: WINDOW, normalizeBy: "viewers" };
const SWING: ScrapePlan = { intervalSeconds: 30, windowSeconds: WINDOW, viewers: swing(20, 60, WINDOW) };
const TEN: ScrapePlan = { intervalSeconds: 30, windowSeconds: WINDOW, viewers: constantViewers(10) };
/** Heap tracks the live heap closely (frequent GCs), no warm-up, ±1.5 MB noise: the brief's "realistic noise". */
const QUIET: PodModel = { ...LEAN, warmupBytes: 0, gcMeanSeconds: 5, gcNoiseBytes: 0, noiseBytes: 1.5 * MB };

/** Two pods from one seed: the same shape, independent GCs, noise and share of sessions. */
function pair(seed: number, canary: Partial<PodModel>, baseline: Partial<PodModel>, plan: ScrapePlan, base: PodModel = LEAN) {
  const random = prng(seed);
  const share = (): number => (random() * 2 - 1) * 0.1;
  return {
    canary: simulatePod(random, { ...base, share: share(), ...canary }, plan),
    baseline: simulatePod(random, { ...base, share: share(), ...baseline }, plan),
  };
}

/** Judges after every scrape, as the operator does; stops at the first verdict that is not Running. */
function replay(canary: SeriesPoint[], baseline: SeriesPoint[], settings = SETTINGS): { verdict: Verdict; at: number; history: Verdict[] } {
  const history: Verdict[] = [];
  for (let n = 1; n <= Math.max(canary.length, baseline.length); n++) {
    const at = Math.max(canary[Math.min(n, canary.length) - 1]!.t, baseline[Math.min(n, baseline.length) - 1]!.t);
    const verdict = judge({ canary: canary.slice(0, n), baseline: baseline.slice(0, n), settings, elapsedSeconds: at });
    history.push(verdict);
    if (verdict.phase !== "Running") return { verdict, at, history };
  }
  return { verdict: history.at(-1)!, at: canary.at(-1)!.t, history };
}

test("lean good2 vs good, viewers 20 -> 60 -> 20, GC steps and noise, 100 seeds -> never Failed at any scrape, Passed at window end", () => {
  // GC about every 20 s: a pod forwarding media to 20-60 viewers allocates enough for that.
  const outcomes = new Map<string, number>();
  for (let seed = 1; seed <= 100; seed++) {
    const { canary, baseline } = pair(seed, { gcMeanSeconds: 20 }, { gcMeanSeconds: 20 }, SWING);
    const { verdict, at, history } = replay(canary, baseline);
    assert.ok(history.every((v) => v.phase !== "Failed"), `seed ${seed}: ${verdict.message}`);
    const key = `${verdict.phase}/${verdict.reason}@${at}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...outcomes], [["Passed/WithinBudget@300", 100]]);
});

test("lean pair with GC only every ~45 s (stale heap readings), 1000 seeds -> false Failed in at most 1 % (measured 0.1 %)", () => {
  let failed = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const { canary, baseline } = pair(seed, {}, {}, SWING);
    if (replay(canary, baseline).verdict.phase === "Failed") failed++;
  }
  assert.ok(failed <= 10, `${failed} false rollbacks in 1000`);
});

// A pod whose major GC comes late reads stale and then jumps. Compared at the latest time, such
// a jump near the end swings the level (10 false HeapRegression in these 1000 runs); at the
// centroid time it does not. The growth rule still fires falsely in ~2 % of them (a slope
// projected 3x the span seen); see the report in verdict.ts.
test("lean pair with GC only every ~90 s, 1000 seeds -> the level rule never fires falsely", () => {
  for (let seed = 1; seed <= 1000; seed++) {
    const slow = { gcMeanSeconds: 90 };
    const { canary, baseline } = pair(seed, slow, slow, SWING);
    const { verdict } = replay(canary, baseline);
    assert.notEqual(verdict.reason, "HeapRegression", `seed ${seed}: ${verdict.message}`);
  }
});

test("shared warm-up of 40 MB in both pods, 100 seeds -> never HeapGrowth (a difference of slopes)", () => {
  for (let seed = 1; seed <= 100; seed++) {
    const warm = { warmupBytes: 40 * MB, warmupSeconds: 90 };
    const { canary, baseline } = pair(seed, warm, warm, SWING, QUIET);
    const { verdict } = replay(canary, baseline);
    assert.equal(verdict.phase, "Passed", `seed ${seed}: ${verdict.message}`);
  }
});

test("per-viewer regression: canary 8 MB, baseline 0.3 MB per viewer at ~10 viewers -> Failed/HeapRegression before the window ends", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { canary, baseline } = pair(seed, { externalPerViewer: 7.9 * MB }, {}, TEN, QUIET);
    const { verdict, at } = replay(canary, baseline);
    assert.equal(verdict.phase, "Failed", `seed ${seed}: ${verdict.message}`);
    assert.equal(verdict.reason, "HeapRegression");
    assert.ok(at < WINDOW, `decided at ${at} s`);
    const perViewer = verdict.perViewer!;
    assert.ok(Math.abs(perViewer.canary.value - 8 * MB) < 1 * MB, `canary per viewer ${perViewer.canary.value}`);
    assert.ok(Math.abs(perViewer.baseline.value - 0.3 * MB) < 1 * MB, `baseline per viewer ${perViewer.baseline.value}`);
    assert.ok(perViewer.canary.low > perViewer.baseline.high, "the per-viewer intervals do not overlap");
    // The fixed cost did not change: its intervals overlap.
    assert.ok(verdict.fixed!.canary.low < verdict.fixed!.baseline.high && verdict.fixed!.baseline.low < verdict.fixed!.canary.high);
    assert.match(verdict.message, /^HeapRegression: canary \d+\.\d MB vs baseline \d+\.\d MB at \d+\.\d viewers \(\+\d+\.\d %, at least \+\d+\.\d MB at 99 % confidence\) exceeds both 20 % .* and 8\.0 MB; per viewer [78]\.\d\d ± \d\.\d\d MB vs -?0\.\d\d ± \d\.\d\d MB, fixed \d+\.\d ± \d+\.\d MB vs \d+\.\d ± \d+\.\d MB$/);
  }
});

test("per-viewer regression through GC steps and a 20 MB warm-up -> Failed/HeapRegression early, the excess in the per-viewer cost", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { canary, baseline } = pair(seed, { externalPerViewer: 7.9 * MB }, {}, TEN);
    const { verdict, at } = replay(canary, baseline);
    assert.deepEqual([verdict.phase, verdict.reason], ["Failed", "HeapRegression"], `seed ${seed}: ${verdict.message}`);
    assert.ok(at < WINDOW);
    const { canary: c, baseline: b } = verdict.perViewer!;
    assert.ok(c.value - b.value > 4 * MB, `seed ${seed}: per viewer ${c.value} vs ${b.value}`);
  }
});

test("the seed regression, NACK history per viewer: 30 viewers, 249 MB vs 10 MB external -> Failed/HeapRegression", () => {
  const { canary, baseline } = pair(7, { externalPerViewer: 8.3 * MB }, { externalPerViewer: 0.33 * MB }, { ...TEN, viewers: constantViewers(30) });
  const { verdict } = replay(canary, baseline);
  assert.equal(verdict.reason, "HeapRegression");
  assert.ok(verdict.regressionPercent! > 200, `${verdict.regressionPercent} %`);
});

// Slowest leak caught within a 5-minute window, 30 s scrapes, ±1.5 MB noise, ~10 viewers, with
// a growth rate projected at most 3 times the time it was seen (compare.ts growthHorizon):
// 3 MB/min in ≥ 95 % of runs (measured 100 %; 2 MB/min: 51 %; 1 MB/min: 0 %). Projected to a
// full hour instead, 2 MB/min was caught in 99 %, but a lean build was rolled back in the
// rollback benchmark on a slope seen for 20 s: sensitivity traded for no false rollbacks.
test("slow leak of 3 MB/min, same level at start, ±1.5 MB noise -> Failed/HeapGrowth within 5 min in ≥ 95 of 100 runs", () => {
  let caught = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const { canary, baseline } = pair(1000 + seed, { externalLeakPerSecond: (3 * MB) / 60 }, {}, TEN, QUIET);
    const { verdict, at } = replay(canary, baseline);
    assert.notEqual(verdict.reason, "HeapRegression", `seed ${seed}: a leak is growth, ${verdict.message}`);
    if (verdict.phase === "Failed" && verdict.reason === "HeapGrowth" && at <= WINDOW) caught++;
  }
  assert.ok(caught >= 95, `caught ${caught} of 100`);
});

test("leak below the budget (0.1 MB/min = 6 MB/h < 8 MB floor) -> never Failed", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const { canary, baseline } = pair(2000 + seed, { externalLeakPerSecond: (0.1 * MB) / 60 }, {}, TEN, QUIET);
    assert.equal(replay(canary, baseline).verdict.phase, "Passed", `seed ${seed}`);
  }
});

test("HeapGrowth message -> rates in MB/h, the bound and the horizon", () => {
  const { canary, baseline } = pair(1001, { externalLeakPerSecond: (5 * MB) / 60 }, {}, TEN, QUIET);
  const { verdict } = replay(canary, baseline);
  assert.equal(verdict.reason, "HeapGrowth");
  // Projected over 3 times the span seen (at most the leak horizon of 1 h), and the message says so.
  assert.match(verdict.message, /^HeapGrowth: canary grows \d+\.\d MB\/h faster than the baseline \(at least \d+\.\d MB\/h at 99 % confidence\); over \d+ (min|s) that is at least/);
  assert.ok(verdict.growthPerHour!.canary.value - verdict.growthPerHour!.baseline.value > 200 * MB, "~300 MB/h");
});

const steady = (bytes: number, noise: number, seed: number): SeriesPoint[] => {
  const random = prng(seed);
  return Array.from({ length: 11 }, (_, i) => ({ t: 30 * i, viewers: 10, bytes: bytes + (random() * 2 - 1) * noise }));
};

test("1000 MB vs 1003 MB steady -> Passed: certain, but under both 20 % and the 8 MB floor", () => {
  for (const noise of [0, 0.5 * MB]) {
    const { verdict } = replay(steady(1003 * MB, noise, 1), steady(1000 * MB, noise, 2));
    assert.equal(verdict.phase, "Passed", verdict.message);
  }
  // Even with a 0.1 % threshold the floor holds: a regression must exceed BOTH.
  const tight = { ...SETTINGS, maxRegressionPercent: 0.1 };
  assert.equal(replay(steady(1003 * MB, 0, 1), steady(1000 * MB, 0, 2), tight).verdict.phase, "Passed");
  assert.equal(replay(steady(1020 * MB, 0, 1), steady(1000 * MB, 0, 2), tight).verdict.reason, "HeapRegression");
});

test("100 MB vs 130 MB (30 %; threshold 20 %, floor 8 MB) -> Failed/HeapRegression; 100 vs 115 MB (15 %) -> Passed", () => {
  const failed = replay(steady(130 * MB, 1.5 * MB, 3), steady(100 * MB, 1.5 * MB, 4));
  assert.equal(failed.verdict.phase, "Failed");
  assert.equal(failed.verdict.reason, "HeapRegression");
  assert.ok(failed.at < WINDOW);
  assert.ok(Math.abs(failed.verdict.regressionPercent! - 30) < 3, `${failed.verdict.regressionPercent} %`);
  assert.equal(replay(steady(115 * MB, 1.5 * MB, 3), steady(100 * MB, 1.5 * MB, 4)).verdict.phase, "Passed");
});

test("normalizeBy none, 100 MB vs 130 MB -> Failed without a viewers term in the message", () => {
  const settings = { ...SETTINGS, normalizeBy: "none" as const };
  const { verdict } = replay(steady(130 * MB, 1.5 * MB, 3), steady(100 * MB, 1.5 * MB, 4), settings);
  assert.equal(verdict.reason, "HeapRegression");
  assert.equal(verdict.perViewer, undefined);
  assert.doesNotMatch(verdict.message, /viewers/);
});

test("too few samples -> Running/Collecting before the window ends, Inconclusive/InsufficientData after", () => {
  const four = steady(100 * MB, 0, 5).slice(0, 4);
  const running = judge({ canary: four, baseline: four, settings: SETTINGS, elapsedSeconds: 120 });
  assert.deepEqual([running.phase, running.reason, running.samples], ["Running", "Collecting", 4]);
  const ended = judge({ canary: four, baseline: steady(100 * MB, 0, 5), settings: SETTINGS, elapsedSeconds: 300 });
  assert.deepEqual([ended.phase, ended.reason, ended.samples], ["Inconclusive", "InsufficientData", 4]);
  assert.match(ended.message, /missing data is not a regression/);
  const nothing = judge({ canary: [], baseline: [], settings: SETTINGS, elapsedSeconds: 900 });
  assert.deepEqual([nothing.phase, nothing.reason, nothing.samples], ["Inconclusive", "InsufficientData", 0]);
});

test("canary with zero viewers all window -> Inconclusive/ThinLoad, not Passed", () => {
  const { canary, baseline } = pair(11, { share: -1, viewerJitter: 0 }, {}, TEN, QUIET);
  assert.ok(canary.every((p) => p.viewers === 0));
  const { verdict } = replay(canary, baseline);
  assert.deepEqual([verdict.phase, verdict.reason], ["Inconclusive", "ThinLoad"]);
  assert.match(verdict.message, /no viewers/);
});

test("canary with zero viewers but 100 MB more than the baseline at 10 -> still Failed (it only understates)", () => {
  const { canary, baseline } = pair(12, { share: -1, viewerJitter: 0, fixedBytes: 160 * MB }, {}, TEN, QUIET);
  assert.equal(replay(canary, baseline).verdict.reason, "HeapRegression");
});

test("canary ~5 viewers, baseline ~50 -> Inconclusive/ThinLoad (comparing would extrapolate)", () => {
  const { canary, baseline } = pair(13, { share: -0.5 }, {}, { ...TEN, viewers: constantViewers(10) }, QUIET);
  const fifty = pair(13, {}, {}, { ...TEN, viewers: constantViewers(50) }, QUIET).baseline;
  const { verdict } = replay(canary, fifty);
  assert.deepEqual([verdict.phase, verdict.reason], ["Inconclusive", "ThinLoad"], verdict.message);
  assert.match(verdict.message, /viewers differ too much/);
  // The same canary against a baseline with its own load passes.
  assert.equal(replay(canary, baseline.map((p) => ({ ...p, viewers: Math.round(p.viewers / 2) }))).verdict.phase, "Passed");
});

test("a regression first seen at the window's last scrape -> Running (confirming), not Passed; Failed 2 scrapes later", () => {
  // minSamples 11 = every scrape of the window: the first evaluation is at its end.
  const settings = { ...SETTINGS, minSamples: 11 };
  const longer = (bytes: number, seed: number): SeriesPoint[] => [...steady(bytes, 1.5 * MB, seed), ...steady(bytes, 1.5 * MB, seed + 100).slice(0, 2).map((p, i) => ({ ...p, t: 330 + 30 * i }))];
  const canary = longer(130 * MB, 7);
  const baseline = longer(100 * MB, 8);
  const atEnd = judge({ canary: canary.slice(0, 11), baseline: baseline.slice(0, 11), settings, elapsedSeconds: 300 });
  assert.deepEqual([atEnd.phase, atEnd.reason], ["Running", "Collecting"], atEnd.message);
  assert.match(atEnd.message, /^confirming a suspected regression/);
  const next = judge({ canary: canary.slice(0, 12), baseline: baseline.slice(0, 12), settings, elapsedSeconds: 330 });
  assert.equal(next.phase, "Running");
  const last = judge({ canary, baseline, settings, elapsedSeconds: 360 });
  assert.deepEqual([last.phase, last.reason], ["Failed", "HeapRegression"]);
});

test("history: canary matches the baseline but is 3x the last good model -> Passed, history says regressed", () => {
  const { canary, baseline } = pair(14, {}, {}, SWING, QUIET);
  const { verdict } = replay(canary, baseline);
  assert.equal(verdict.phase, "Passed");
  const final = judge({ canary, baseline, settings: SETTINGS, elapsedSeconds: WINDOW, lastGood: { fixedBytes: 20 * MB, bytesPerViewer: 0.1 * MB } });
  assert.equal(final.phase, "Passed");
  assert.equal(final.history!.regressed, true);
  assert.match(final.history!.message, /^vs last good: .*fixed \d+\.\d MB \(was 20\.0 MB\), per viewer 0\.\d\d MB \(was 0\.10 MB\); regressed/);
  const same = judge({ canary, baseline, settings: SETTINGS, elapsedSeconds: WINDOW, lastGood: { fixedBytes: verdict.fixed!.baseline.value, bytesPerViewer: verdict.perViewer!.baseline.value } });
  assert.equal(same.history!.regressed, false);
});

test("verdict numbers -> finite, bytes rounded, samples = the shorter series", () => {
  const { canary, baseline } = pair(15, {}, {}, SWING);
  const v = judge({ canary, baseline: baseline.slice(0, 9), settings: SETTINGS, elapsedSeconds: 280 });
  assert.equal(v.samples, 9);
  assert.ok(Number.isInteger(v.canaryBytes) && Number.isInteger(v.baselineBytes));
  assert.doesNotMatch(JSON.stringify(v), /null/, "no NaN or Infinity (JSON null) in the verdict");
});

test("points with NaN or Infinity (a broken scrape) -> dropped as missing data, never a regression", () => {
  const good = steady(100 * MB, 0.5 * MB, 9);
  const broken = good.map((p, i) => (i % 2 === 0 ? { ...p, bytes: Number.NaN } : i === 3 ? { ...p, viewers: Number.POSITIVE_INFINITY } : p));
  const v = judge({ canary: broken, baseline: good, settings: SETTINGS, elapsedSeconds: WINDOW });
  assert.deepEqual([v.phase, v.reason, v.samples], ["Inconclusive", "InsufficientData", 4]);
  const mostly = good.map((p, i) => (i === 5 ? { ...p, bytes: Number.NaN } : p));
  const w = judge({ canary: mostly, baseline: good, settings: SETTINGS, elapsedSeconds: WINDOW });
  assert.deepEqual([w.phase, w.samples], ["Passed", 10]);
  assert.doesNotMatch(JSON.stringify(w), /null/);
});

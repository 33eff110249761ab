import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesPerSecond, caughtWithinWindow, confusionMatrix, errorsOf, formatConfusion, podMemoryFromMetrics, rolloutSchedule, slowestCaught, summarize, verdictColumn } from "./rollbackStats.js";

test("confusionMatrix counts actual x verdict; a phase still Running is NoDecision", () => {
  const m = confusionMatrix([
    { actual: "good", phase: "Passed" },
    { actual: "good", phase: "Passed" },
    { actual: "good", phase: "Failed" },
    { actual: "good", phase: "Running" },
    { actual: "leaky", phase: "Failed" },
    { actual: "leaky", phase: "Inconclusive" },
  ]);
  assert.deepEqual(m.good, { Passed: 2, Failed: 1, Inconclusive: 0, NoDecision: 1 });
  assert.deepEqual(m.leaky, { Passed: 0, Failed: 1, Inconclusive: 1, NoDecision: 0 });
  assert.deepEqual(errorsOf(m), { falseRollbacks: 1, missedLeaks: 0 });
  assert.equal(verdictColumn(undefined), "NoDecision");
});

test("formatConfusion shows NoDecision only when it happened, with row totals", () => {
  const clean = formatConfusion(confusionMatrix([{ actual: "good", phase: "Passed" }, { actual: "leaky", phase: "Failed" }]));
  assert.doesNotMatch(clean, /NoDecision/);
  assert.match(clean, /\| good \| 1 \| 0 \| 0 \| 1 \|/);
  assert.match(clean, /\| leaky \| 0 \| 1 \| 0 \| 1 \|/);
  assert.match(formatConfusion(confusionMatrix([{ actual: "good", phase: "Running" }])), /NoDecision/);
});

test("summarize skips non-finite values; median is the nearest rank", () => {
  assert.deepEqual(summarize([30, 10, Number.NaN, 20]), { n: 3, min: 10, median: 20, max: 30 });
  assert.equal(summarize([]).n, 0);
});

test("slowest leak caught: Failed within window + one interval; a late or passed one does not count", () => {
  const trials = [
    { rateMbPerMin: 2, phase: "Failed", detectSeconds: 30 },
    { rateMbPerMin: 0.5, phase: "Failed", detectSeconds: 62 },
    { rateMbPerMin: 0.25, phase: "Failed", detectSeconds: 63 },
    { rateMbPerMin: 0.1, phase: "Passed", detectSeconds: 60 },
  ];
  assert.equal(caughtWithinWindow(trials[1]!, 60, 2), true);
  assert.equal(caughtWithinWindow(trials[2]!, 60, 2), false);
  assert.equal(slowestCaught(trials, 60, 2), 0.5);
  assert.equal(slowestCaught([{ rateMbPerMin: 1, phase: "Passed", detectSeconds: 60 }], 60, 2), undefined);
  assert.ok(Math.abs(bytesPerSecond(0.6) - 10_000) < 1e-9);
});

test("podMemoryFromMetrics reads one MediaServer's pods with their roles", () => {
  const text = [
    "# TYPE mediafleet_pod_memory_bytes gauge",
    'mediafleet_pod_memory_bytes{namespace="default",mediaserver="bench",pod="bench-canary-x",role="canary"} 41000000',
    'mediafleet_pod_memory_bytes{namespace="default",mediaserver="other",pod="o-1",role="stable"} 1',
    'mediafleet_pod_viewers{namespace="default",mediaserver="bench",pod="bench-canary-x",role="canary"} 6',
    'mediafleet_pod_memory_bytes{namespace="default",mediaserver="bench",pod="bench-abc",role="stable"} 3.5e7',
  ].join("\n");
  assert.deepEqual(podMemoryFromMetrics(text, "bench"), [
    { pod: "bench-canary-x", role: "canary", bytes: 41e6 },
    { pod: "bench-abc", role: "stable", bytes: 35e6 },
  ]);
});

test("rolloutSchedule spreads the leaky rollouts among the good ones", () => {
  const full = rolloutSchedule(20, 5);
  assert.equal(full.length, 25);
  assert.deepEqual(full.map((k, i) => (k === "leaky" ? i : -1)).filter((i) => i >= 0), [4, 9, 14, 19, 24]);
  assert.deepEqual(rolloutSchedule(3, 1), ["good", "good", "good", "leaky"]);
  assert.deepEqual(rolloutSchedule(0, 2), ["leaky", "leaky"]);
  assert.deepEqual(rolloutSchedule(2, 0), ["good", "good"]);
});

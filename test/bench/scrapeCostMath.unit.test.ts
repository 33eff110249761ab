import assert from "node:assert/strict";
import { test } from "node:test";
import { coreSharePercent, heldPerPod, perPodCost } from "./scrapeCostMath.js";

test("perPodCost divides totals by rounds x pods; wall time is the median round", () => {
  const cost = perPodCost([
    { cpuMicros: 400_000, wallMs: 900, pods: 200, bytesIn: 200 * 50_000, errors: 0 },
    { cpuMicros: 600_000, wallMs: 1100, pods: 200, bytesIn: 200 * 50_000, errors: 1 },
    { cpuMicros: 500_000, wallMs: 1000, pods: 200, bytesIn: 200 * 50_000, errors: 0 },
  ]);
  assert.equal(cost.rounds, 3);
  assert.equal(cost.pods, 200);
  assert.equal(cost.cpuMsPerPod, 2.5);
  assert.equal(cost.bytesInPerPod, 50_000);
  assert.equal(cost.wallMsPerRound, 1000);
  assert.equal(cost.errors, 1);
  assert.ok(Number.isNaN(perPodCost([]).cpuMsPerPod));
});

test("coreSharePercent: 2.5 ms per pod, 200 pods every 30 s is 1.67 % of a core", () => {
  assert.ok(Math.abs(coreSharePercent(2.5, 200, 30) - 500 / 300) < 1e-12);
  assert.equal(coreSharePercent(0, 200, 30), 0);
});

test("heldPerPod: the heap difference per pod", () => {
  assert.equal(heldPerPod(10_000_000, 12_000_000, 200), 10_000);
  assert.ok(Number.isNaN(heldPerPod(1, 2, 0)));
});

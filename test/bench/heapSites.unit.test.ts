import { test } from "node:test";
import assert from "node:assert/strict";
import { linearFit, median, siteGrowth } from "./heapSites.js";

test("linearFit on a perfect line -> its slope, intercept and r² 1", () => {
  const fit = linearFit([0, 25, 50, 100], [1000, 1000 + 25 * 300, 1000 + 50 * 300, 1000 + 100 * 300]);
  assert.equal(fit.slope, 300);
  assert.equal(fit.intercept, 1000);
  assert.equal(fit.r2, 1);
});

test("linearFit on noisy points -> r² below 1; fewer than 2 points -> NaN", () => {
  assert.ok(linearFit([0, 1, 2, 3], [0, 3, 1, 4]).r2 < 0.9);
  assert.ok(Number.isNaN(linearFit([1], [1]).slope));
});

test("median of odd and even lists", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("siteGrowth -> sites ordered by bytes per viewer, a site missing at a step counts 0", () => {
  const steps = [0, 10, 20];
  const maps = [new Map([["flat", 500]]), new Map([["flat", 500], ["grows", 1000]]), new Map([["flat", 500], ["grows", 2000]])];
  const rows = siteGrowth(steps, maps, 5);
  assert.deepEqual(rows.map((r) => r.site), ["grows", "flat"]);
  assert.equal(rows[0]!.bytesPerViewer, 100);
  assert.equal(rows[1]!.bytesPerViewer, 0);
  assert.equal(rows[0]!.lastBytes, 2000);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { linearFit, percentile } from "./stats.js";

test("percentile uses nearest rank", () => {
  const v = [5, 1, 4, 2, 3];
  assert.equal(percentile(v, 50), 3);
  assert.equal(percentile(v, 95), 5);
  assert.equal(percentile(v, 0), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("linearFit recovers slope and intercept of a line, r2 1", () => {
  const fit = linearFit([[10, 1020], [50, 1100], [100, 1200]]);
  assert.ok(Math.abs(fit.slope - 2) < 1e-9);
  assert.ok(Math.abs(fit.intercept - 1000) < 1e-6);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
  assert.ok(Number.isNaN(linearFit([[1, 1]]).slope));
});

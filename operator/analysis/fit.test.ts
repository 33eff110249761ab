import assert from "node:assert/strict";
import { test } from "node:test";
import { fitMemory, predictMemory } from "./fit.js";
import { studentTQuantile } from "./studentT.js";
import type { SeriesPoint } from "./types.js";

const MB = 1e6;
const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
const noNaN = (value: unknown): void => assert.ok(!JSON.stringify(value, (_k, v) => (Number.isNaN(v) ? "NaN!" : v)).includes("NaN!"), "a NaN leaked out");

test("studentTQuantile -> the table values of one-sided t quantiles to 3 decimals", () => {
  const table: Array<[number, number, number]> = [
    [0.99, 1, 31.821],
    [0.99, 2, 6.965],
    [0.99, 3, 4.541],
    [0.99, 5, 3.365],
    [0.99, 10, 2.764],
    [0.99, 30, 2.457],
    [0.95, 4, 2.132],
    [0.975, 20, 2.086],
    [0.999, 8, 4.501],
  ];
  for (const [q, dof, expected] of table) close(studentTQuantile(q, dof), expected, 0.0006, `t(${q}, ${dof})`);
  close(studentTQuantile(0.99, 1e9), 2.3263, 0.0002, "t(0.99, ∞) = z");
});

test("studentTQuantile with fractional dof -> rounded down (wider), none -> Infinity, q out of range -> throws", () => {
  assert.equal(studentTQuantile(0.99, 7.9), studentTQuantile(0.99, 7));
  assert.equal(studentTQuantile(0.99, 0.5), Number.POSITIVE_INFINITY);
  assert.throws(() => studentTQuantile(1, 5), RangeError);
  assert.throws(() => studentTQuantile(0.4, 5), RangeError);
});

test("fitMemory on exact data a + b·viewers + c·t -> the coefficients, zero standard errors", () => {
  const points: SeriesPoint[] = [];
  for (let i = 0; i < 10; i++) {
    const viewers = [20, 35, 60, 41, 20, 28, 55, 33, 12, 47][i]!;
    points.push({ t: 30 * i, viewers, bytes: 50 * MB + 0.3 * MB * viewers + 1000 * 30 * i });
  }
  const fit = fitMemory(points);
  assert.deepEqual(fit.columns, ["viewers", "time"]);
  close(fit.intercept.value, 50 * MB, 1e-3, "a");
  close(fit.perViewer!.value, 0.3 * MB, 1e-6, "b");
  close(fit.perSecond!.value, 1000, 1e-7, "c");
  close(fit.perViewer!.se, 0, 1e-3, "se(b)");
  close(predictMemory(fit, 40, 300).value, 50 * MB + 12 * MB + 300_000, 1e-3, "prediction");
  noNaN(fit);
});

test("fitMemory standard errors -> match the textbook simple regression formula", () => {
  // y = 10 + 2t + noise on t = 0..5 (viewers constant, so only the time column is fitted).
  const noise = [0.5, -1, 0.3, 0.8, -0.6, 0.1];
  const points = noise.map((e, t) => ({ t, viewers: 7, bytes: 10 + 2 * t + e }));
  const fit = fitMemory(points);
  assert.deepEqual(fit.columns, ["time"]);
  assert.deepEqual(fit.dropped, [{ column: "viewers", why: "constant" }]);
  const n = 6;
  const tBar = 2.5;
  const sxx = points.reduce((s, p) => s + (p.t - tBar) ** 2, 0);
  const yBar = points.reduce((s, p) => s + p.bytes, 0) / n;
  const slope = points.reduce((s, p) => s + (p.t - tBar) * (p.bytes - yBar), 0) / sxx;
  const rss = points.reduce((s, p) => s + (p.bytes - (yBar + slope * (p.t - tBar))) ** 2, 0);
  const s2 = rss / (n - 2);
  close(fit.perSecond!.value, slope, 1e-12, "slope");
  close(fit.perSecond!.se, Math.sqrt(s2 / sxx), 1e-12, "se(slope)");
  close(fit.intercept.se, Math.sqrt(s2 * (1 / n + (tBar * tBar) / sxx)), 1e-12, "se(intercept)");
  close(predictMemory(fit, 7, 4).se, Math.sqrt(s2 * (1 / n + (4 - tBar) ** 2 / sxx)), 1e-12, "se(prediction)");
  assert.equal(fit.dof, 4);
});

test("fitMemory with viewers ramping exactly with time -> time dropped as collinear, no NaN", () => {
  const points = Array.from({ length: 8 }, (_, i) => ({ t: 30 * i, viewers: 5 + 2 * i, bytes: 40 * MB + 2 * MB * i + (i % 2) * 0.5 * MB }));
  const fit = fitMemory(points);
  assert.deepEqual(fit.columns, ["viewers"]);
  assert.deepEqual(fit.dropped, [{ column: "time", why: "collinear" }]);
  close(fit.perViewer!.value, 1 * MB, 0.05 * MB, "b absorbs the ramp");
  noNaN(fit);
});

test("fitMemory with 1, 2 and 3 points -> degrades to fewer parameters, never NaN", () => {
  const one = fitMemory([{ t: 0, viewers: 3, bytes: 5 * MB }]);
  assert.equal(one.intercept.value, 5 * MB);
  assert.equal(one.intercept.se, Number.POSITIVE_INFINITY);
  assert.equal(predictMemory(one, 10, 10).se, Number.POSITIVE_INFINITY);
  noNaN({ ...one, intercept: { value: one.intercept.value } });

  const two = fitMemory([
    { t: 0, viewers: 3, bytes: 5 * MB },
    { t: 30, viewers: 4, bytes: 6 * MB },
  ]);
  assert.deepEqual(two.columns, []);
  assert.equal(two.dof, 1);
  close(two.intercept.value, 5.5 * MB, 1e-6, "mean of two");

  const three = fitMemory([
    { t: 0, viewers: 3, bytes: 5 * MB },
    { t: 30, viewers: 4, bytes: 6 * MB },
    { t: 60, viewers: 9, bytes: 7 * MB },
  ]);
  assert.deepEqual(three.columns, ["viewers"]);
  assert.deepEqual(three.dropped, [{ column: "time", why: "too few points" }]);
  assert.equal(three.dof, 1);
  noNaN(three);
});

test("fitMemory with identical points -> zero residuals give zero standard errors, not 0/0", () => {
  const points = Array.from({ length: 6 }, (_, i) => ({ t: 0, viewers: 10, bytes: 100 * MB + 0 * i }));
  const fit = fitMemory(points, { viewers: true });
  assert.deepEqual(fit.columns, []);
  assert.equal(fit.intercept.value, 100 * MB);
  assert.equal(fit.intercept.se, 0);
  assert.deepEqual(predictMemory(fit, 50, 1000), { value: 100 * MB, se: 0 });
});

test("fitMemory with viewers excluded (normalizeBy none) -> no viewers column even when they vary", () => {
  const points = Array.from({ length: 6 }, (_, i) => ({ t: 10 * i, viewers: i * 3, bytes: 100 * MB + i * 3 * MB }));
  const fit = fitMemory(points, { viewers: false });
  assert.deepEqual(fit.columns, ["time"]);
  assert.equal(fit.perViewer, undefined);
  assert.deepEqual(fit.dropped, [{ column: "viewers", why: "excluded" }]);
});

test("fitMemory with no points -> throws", () => {
  assert.throws(() => fitMemory([]), RangeError);
});

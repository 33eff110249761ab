/**
 * Ordinary least squares for one pod's memory series:
 *
 *     bytes ≈ a + b·viewers + c·t
 *
 * a is what the pod holds with no viewers at the start of the analysis, b what each viewer
 * costs, c how fast memory grows with uptime. One pod is one fit; the verdict compares the fits
 * of the canary and the baseline.
 *
 * How: the slope columns (viewers, t) are centred on their means, which makes the intercept
 * uncorrelated with the slopes. The slopes solve S·β = r with S the centred cross-product
 * matrix — (XᵀX)⁻¹ of the full model in block form — and the covariance of the estimates is
 * s²·S⁻¹, s² = residual sum of squares / (n − parameters).
 *
 * Degenerate data never yields NaN:
 *  - a column that does not vary (all viewers equal, one instant) is dropped: its effect cannot
 *    be estimated, and the fit describes the pod at the values it was seen at;
 *  - a column that is a linear function of an earlier one (viewers ramping exactly with time) is
 *    dropped as collinear; viewers are kept over time, because a per-viewer cost is the
 *    mechanism we know exists, and the standard error then carries the ambiguity;
 *  - at most n − 2 slope columns are kept, so one degree of freedom remains for the noise;
 *  - with a single point there is nothing to estimate the noise from: standard errors are
 *    Infinity ("unknown"), which every confidence bound downstream treats as "no evidence";
 *  - zero residuals give zero standard errors (the data are exact), not 0/0.
 */
import type { SeriesPoint } from "./types.js";

export type FitColumn = "viewers" | "time";

export interface Coefficient {
  value: number;
  /** Standard error; Infinity when the data cannot say (no degrees of freedom left). */
  se: number;
}

export interface DroppedColumn {
  column: FitColumn;
  why: "excluded" | "constant" | "collinear" | "too few points";
}

export interface MemoryFit {
  n: number;
  /** Slope columns in the model, in order. */
  columns: FitColumn[];
  dropped: DroppedColumn[];
  /** a: bytes at 0 viewers and t = 0. */
  intercept: Coefficient;
  /** b: bytes per viewer; absent when the viewers column was dropped. */
  perViewer?: Coefficient;
  /** c: bytes per second of uptime; absent when the time column was dropped. */
  perSecond?: Coefficient;
  /** Residual degrees of freedom, n − (1 + columns.length). */
  dof: number;
  /** s, the residual standard deviation (bytes); 0 when dof is 0. */
  residualSd: number;
  /** Residuals (observed − fitted) in time order. */
  residuals: number[];
  /** Column means the model is centred on, and the mean of bytes. */
  means: { viewers: number; t: number; bytes: number };
  /** Covariance of the slope estimates (same order as `columns`), bytes²-scaled. */
  slopeCovariance: number[][];
}

export interface FitOptions {
  /** Include the viewers column (default true). "normalizeBy: none" excludes it. */
  viewers?: boolean;
  /** Include the time column (default true). */
  time?: boolean;
}

/** Relative tolerance under which a column's unexplained variation counts as none. */
const COLLINEAR = 1e-9;

const columnValue = (p: SeriesPoint, column: FitColumn): number => (column === "viewers" ? p.viewers : p.t);

/** Fits a + b·viewers + c·t to the points by least squares (see the file comment). */
export function fitMemory(points: readonly SeriesPoint[], options: FitOptions = {}): MemoryFit {
  const sorted = [...points].sort((x, y) => x.t - y.t);
  const n = sorted.length;
  if (n === 0) throw new RangeError("fitMemory needs at least one point");
  const mean = (f: (p: SeriesPoint) => number): number => sorted.reduce((s, p) => s + f(p), 0) / n;
  const means = { viewers: mean((p) => p.viewers), t: mean((p) => p.t), bytes: mean((p) => p.bytes) };
  const centred = (p: SeriesPoint, column: FitColumn): number => columnValue(p, column) - means[column === "viewers" ? "viewers" : "t"];

  const dropped: DroppedColumn[] = [];
  const columns: FitColumn[] = [];
  for (const column of ["viewers", "time"] as const) {
    if ((column === "viewers" ? options.viewers : options.time) === false) {
      dropped.push({ column, why: "excluded" });
      continue;
    }
    const ss = sorted.reduce((s, p) => s + centred(p, column) ** 2, 0);
    if (!(ss > 0)) {
      dropped.push({ column, why: "constant" });
      continue;
    }
    if (columns.length + 1 > n - 2) {
      dropped.push({ column, why: "too few points" });
      continue;
    }
    // The part of this column the kept ones cannot explain (Gram-Schmidt pivot); ~0 = collinear.
    const candidate = [...columns, column];
    const s = crossProducts(sorted, candidate, centred);
    if (residualVariation(s) <= COLLINEAR * ss) {
      dropped.push({ column, why: "collinear" });
      continue;
    }
    columns.push(column);
  }

  const k = columns.length;
  const s = crossProducts(sorted, columns, centred);
  const inverse = invert(s);
  const r = columns.map((column) => sorted.reduce((acc, p) => acc + centred(p, column) * (p.bytes - means.bytes), 0));
  const beta = inverse.map((row) => row.reduce((acc, v, j) => acc + v * r[j]!, 0));

  const residuals = sorted.map((p) => p.bytes - means.bytes - columns.reduce((acc, column, j) => acc + beta[j]! * centred(p, column), 0));
  const dof = n - 1 - k;
  const rss = residuals.reduce((acc, e) => acc + e * e, 0);
  const variance = dof > 0 ? rss / dof : 0;
  const unknown = dof <= 0;
  const slopeCovariance = inverse.map((row) => row.map((v) => v * variance));

  const fit: MemoryFit = {
    n,
    columns,
    dropped,
    intercept: { value: 0, se: 0 },
    dof,
    residualSd: Math.sqrt(variance),
    residuals,
    means,
    slopeCovariance,
  };
  columns.forEach((column, j) => {
    const coefficient = { value: beta[j]!, se: unknown ? Number.POSITIVE_INFINITY : Math.sqrt(Math.max(0, slopeCovariance[j]![j]!)) };
    if (column === "viewers") fit.perViewer = coefficient;
    else fit.perSecond = coefficient;
  });
  fit.intercept = predictMemory(fit, 0, 0);
  return fit;
}

/**
 * The fitted memory at (viewers, t) and its standard error: the uncertainty of the fitted mean
 * there, not of one future scrape (the verdict compares levels, not single readings). A column
 * the fit dropped contributes nothing: the prediction is then the pod's level at the values it
 * was observed at, whatever is asked for (the verdict decides whether that is an extrapolation).
 */
export function predictMemory(fit: MemoryFit, viewers: number, t: number): Coefficient {
  const g = fit.columns.map((column) => (column === "viewers" ? viewers - fit.means.viewers : t - fit.means.t));
  const value = fit.means.bytes + g.reduce((acc, gj, j) => acc + gj * coefficientOf(fit, fit.columns[j]!), 0);
  if (fit.dof <= 0) return { value, se: Number.POSITIVE_INFINITY };
  const fromSlopes = g.reduce((acc, gi, i) => acc + g.reduce((inner, gj, j) => inner + gi * fit.slopeCovariance[i]![j]! * gj, 0), 0);
  const variance = (fit.residualSd * fit.residualSd) / fit.n + fromSlopes;
  return { value, se: Math.sqrt(Math.max(0, variance)) };
}

function coefficientOf(fit: MemoryFit, column: FitColumn): number {
  return (column === "viewers" ? fit.perViewer?.value : fit.perSecond?.value) ?? 0;
}

function crossProducts(points: readonly SeriesPoint[], columns: readonly FitColumn[], centred: (p: SeriesPoint, c: FitColumn) => number): number[][] {
  return columns.map((ci) => columns.map((cj) => points.reduce((acc, p) => acc + centred(p, ci) * centred(p, cj), 0)));
}

/** For a symmetric positive semi-definite matrix, the last Cholesky pivot (0 for an empty one). */
function residualVariation(s: number[][]): number {
  const k = s.length;
  if (k === 0) return 0;
  if (k === 1) return s[0]![0]!;
  if (k === 2) return s[1]![1]! - (s[0]![1]! * s[1]![0]!) / s[0]![0]!;
  throw new RangeError("at most two slope columns");
}

/** Inverse of a 0×0, 1×1 or 2×2 matrix (columns were chosen so it is invertible). */
function invert(s: number[][]): number[][] {
  if (s.length === 0) return [];
  if (s.length === 1) return [[1 / s[0]![0]!]];
  const [[p, q], [u, v]] = s as [[number, number], [number, number]];
  const det = p * v - q * u;
  return [
    [v / det, -q / det],
    [-u / det, p / det],
  ];
}

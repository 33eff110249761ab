/**
 * One evaluation of canary against baseline on the series as they stand: the two fits, the
 * level comparison at a common reference load, the difference of growth rates, and whether each
 * clears its budget with confidence. verdict.ts turns evaluations into a phase; the rules are
 * documented there, the arithmetic here.
 *
 * Confidence bounds: an estimate with standard error se and d degrees of freedom has the
 * one-sided bound value ± t(q, d)·se. A difference of the two pods' estimates (independent fits)
 * has se = √(se₁² + se₂²) and Welch–Satterthwaite degrees of freedom, the usual answer when the
 * two pods are allowed different noise (a build that allocates more is noisier, too).
 */
import { fitMemory, predictMemory, type Coefficient, type MemoryFit } from "./fit.js";
import { studentTQuantile } from "./studentT.js";
import type { SeriesPoint } from "./types.js";

/** A point estimate with its confidence interval (each side at the verdict's one-sided level). */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export interface Comparison {
  canary: Estimate;
  baseline: Estimate;
}

export interface CompareSettings {
  maxRegressionPercent: number;
  minRegressionBytes: number;
  normalizeBy: "viewers" | "none";
  confidence: number;
  leakHorizonSeconds: number;
}

/** Why the viewers-normalised comparison is not trustworthy (see verdict.ts, ThinLoad). */
export type ThinLoad = "NoViewers" | "Extrapolation";

/** The pods' mean viewers differ by more than this many viewers AND ... */
export const THIN_LOAD_MIN_GAP = 5;
/** ... by more than this fraction of the larger mean: then one would be extrapolated. */
export const THIN_LOAD_MAX_RELATIVE_GAP = 0.5;

export interface Evaluation {
  /** Where the levels are compared; `ownLoad`: each pod at its own mean viewers (thin load). */
  reference: { viewers: number; t: number; ownLoad: boolean };
  thin?: ThinLoad;
  meanViewers: { canary: number; baseline: number };
  canaryLevel: Estimate;
  baselineLevel: Estimate;
  /** canary − baseline at the reference. */
  level: Estimate;
  /** max(maxRegressionPercent % of the baseline level, minRegressionBytes). */
  threshold: number;
  levelFails: boolean;
  /** Seconds the growth-rate difference is projected over (growthHorizon). */
  growthHorizonSeconds?: number;
  /** (canary − baseline) growth rate × growth horizon, bytes; absent when time did not vary. */
  growth?: Estimate;
  growthFails: boolean;
  fixed?: Comparison;
  perViewer?: Comparison;
  growthPerHour?: Comparison;
}

interface Measured {
  value: number;
  se: number;
  dof: number;
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/** value − t(q, dof)·se, written so that se = 0 never meets an infinite quantile (0·∞ = NaN). */
function lowerBound(m: Measured, confidence: number): number {
  if (m.se === 0) return m.value;
  return m.value - studentTQuantile(confidence, m.dof) * m.se;
}

export function estimate(m: Measured, confidence: number): Estimate {
  const low = lowerBound(m, confidence);
  return { value: m.value, low, high: m.value + (m.value - low) };
}

/** a − b for independent estimates, Welch–Satterthwaite degrees of freedom. */
export function difference(a: Measured, b: Measured): Measured {
  const va = a.se * a.se;
  const vb = b.se * b.se;
  const se = Math.sqrt(va + vb);
  let dof: number;
  if (va === 0 && vb === 0) dof = a.dof + b.dof;
  else if (!Number.isFinite(se)) dof = 0;
  else dof = ((va + vb) * (va + vb)) / ((va > 0 ? (va * va) / a.dof : 0) + (vb > 0 ? (vb * vb) / b.dof : 0));
  return { value: a.value - b.value, se, dof };
}

const measured = (c: Coefficient, fit: MemoryFit, scale = 1): Measured => ({ value: c.value * scale, se: c.se * scale, dof: fit.dof });

function thinLoad(canary: readonly SeriesPoint[], mc: number, mb: number): ThinLoad | undefined {
  if (canary.every((p) => p.viewers === 0)) return "NoViewers";
  const gap = Math.abs(mc - mb);
  if (gap > THIN_LOAD_MIN_GAP && gap > THIN_LOAD_MAX_RELATIVE_GAP * Math.max(mc, mb)) return "Extrapolation";
  return undefined;
}

/**
 * How far a growth-rate difference is projected: the leak horizon, but never more than
 * PROJECTION_FACTOR times the time both series were actually observed. A slope seen over 20 s
 * and projected to an hour multiplies a single late GC step 180-fold (a lean build was rolled
 * back so in the rollback benchmark); projected 3-fold it must have grown most of the budget
 * in plain sight. A 5-minute window still projects 15 minutes ahead.
 */
export const PROJECTION_FACTOR = 3;

export function growthHorizon(canary: readonly SeriesPoint[], baseline: readonly SeriesPoint[], leakHorizonSeconds: number): number {
  const span = (points: readonly SeriesPoint[]) => (points.length < 2 ? 0 : Math.max(...points.map((p) => p.t)) - Math.min(...points.map((p) => p.t)));
  return Math.min(leakHorizonSeconds, PROJECTION_FACTOR * Math.min(span(canary), span(baseline)));
}

/** Compares the two series once (both need ≥ 3 points; verdict.ts guarantees it). */
export function evaluate(canary: readonly SeriesPoint[], baseline: readonly SeriesPoint[], settings: CompareSettings): Evaluation {
  const byViewers = settings.normalizeBy === "viewers";
  const fitOptions = { viewers: byViewers };
  const fc = fitMemory(canary, fitOptions);
  const fb = fitMemory(baseline, fitOptions);
  const q = settings.confidence;
  const all = [...canary, ...baseline];
  const meanViewers = { canary: fc.means.viewers, baseline: fb.means.viewers };
  const thin = byViewers ? thinLoad(canary, meanViewers.canary, meanViewers.baseline) : undefined;
  // The centroid time of the data: there the fitted level is known best and does not lean on
  // the slope, so a GC step in the last scrapes cannot swing it (growth has its own rule).
  const reference = { viewers: mean(all.map((p) => p.viewers)), t: mean(all.map((p) => p.t)), ownLoad: thin !== undefined };

  const at = (fit: MemoryFit, ownViewers: number): Measured => {
    const p = predictMemory(fit, reference.ownLoad ? ownViewers : reference.viewers, reference.t);
    return { value: p.value, se: p.se, dof: fit.dof };
  };
  const cl = at(fc, meanViewers.canary);
  const bl = at(fb, meanViewers.baseline);
  const levelDiff = difference(cl, bl);
  const threshold = Math.max((settings.maxRegressionPercent / 100) * bl.value, settings.minRegressionBytes);
  // At own load a regression is believed only when the canary served no more viewers than the
  // baseline: memory does not fall with more viewers, so the comparison then understates it.
  const comparable = !reference.ownLoad || meanViewers.canary <= meanViewers.baseline;
  const levelFails = comparable && lowerBound(levelDiff, q) > threshold;

  const evaluation: Evaluation = {
    reference,
    meanViewers,
    canaryLevel: estimate(cl, q),
    baselineLevel: estimate(bl, q),
    level: estimate(levelDiff, q),
    threshold,
    levelFails,
    growthFails: false,
  };
  if (thin) evaluation.thin = thin;

  if (fc.perSecond && fb.perSecond) {
    const horizon = growthHorizon(canary, baseline, settings.leakHorizonSeconds);
    evaluation.growthHorizonSeconds = horizon;
    const growth = difference(measured(fc.perSecond, fc, horizon), measured(fb.perSecond, fb, horizon));
    evaluation.growth = estimate(growth, q);
    evaluation.growthFails = lowerBound(growth, q) > threshold;
    evaluation.growthPerHour = {
      canary: estimate(measured(fc.perSecond, fc, 3600), q),
      baseline: estimate(measured(fb.perSecond, fb, 3600), q),
    };
  }
  if (fc.perViewer && fb.perViewer) {
    evaluation.perViewer = { canary: estimate(measured(fc.perViewer, fc), q), baseline: estimate(measured(fb.perViewer, fb), q) };
    // Fixed cost at the reference time, so that level = fixed + perViewer × viewers holds exactly.
    const fixedAt = (fit: MemoryFit): Measured => ({ ...predictMemory(fit, 0, reference.t), dof: fit.dof });
    evaluation.fixed = { canary: estimate(fixedAt(fc), q), baseline: estimate(fixedAt(fb), q) };
  }
  return evaluation;
}

/** The canary's level at the reference against a stored model of the last good revision. */
export function againstLastGood(
  evaluation: Evaluation,
  lastGood: { fixedBytes: number; bytesPerViewer: number },
  settings: CompareSettings,
): { lastGoodBytes: number; excess: Estimate; threshold: number; regressed: boolean } {
  const viewers = evaluation.reference.ownLoad ? evaluation.meanViewers.canary : evaluation.reference.viewers;
  const lastGoodBytes = lastGood.fixedBytes + lastGood.bytesPerViewer * viewers;
  const c = evaluation.canaryLevel;
  // The stored model is taken as exact; only the canary's own uncertainty widens the bound.
  const excess = { value: c.value - lastGoodBytes, low: c.low - lastGoodBytes, high: c.high - lastGoodBytes };
  const threshold = Math.max((settings.maxRegressionPercent / 100) * lastGoodBytes, settings.minRegressionBytes);
  return { lastGoodBytes, excess, threshold, regressed: excess.low > threshold };
}

/**
 * The heap-regression verdict: canary series + baseline series -> Running | Passed | Failed |
 * Inconclusive, with the numbers and the rule that decided. Pure: same input, same verdict, so
 * the operator can recompute it from status after a restart.
 *
 * The rules, in the order they are applied:
 *
 * 1. Samples. Points with a non-finite t, bytes or viewers are dropped first (a broken scrape is
 *    missing data). `samples` = min(canary points, baseline points); a fit needs at least 3, so the
 *    effective minimum is max(minSamples, 3). Below it: Running/Collecting while the window
 *    runs, Inconclusive/InsufficientData once `elapsedSeconds >= windowSeconds`. Missing data is
 *    never a regression (the Flagger complaint: "no values" counted as a failed check).
 *
 * 2. Model. Each pod is fitted on its own: bytes ≈ a + b·viewers + c·t (fit.ts; b is left out
 *    when normalizeBy is "none" or viewers did not vary, c when t did not vary).
 *
 * 3. Level rule -> Failed/HeapRegression. Reference point: viewers = mean viewers over all points
 *    of both series, t = mean time of those points. Why not the latest time: heap-after-GC is a
 *    step function, and a pod whose last major GC came late catches up in one jump; at the end of
 *    the data that jump tilts the fitted slope and swings the extrapolated level (simulated, a
 *    major GC every ~90 s: 1 % false HeapRegression at the latest time, none at the centroid;
 *    the centroid also catches a +20 MB regression about as often). Change over
 *    time is the growth rule's job. D = canary − baseline predicted there; it fails when the
 *    lower confidence bound of D exceeds BOTH maxRegressionPercent % of the baseline prediction
 *    AND minRegressionBytes (1000 MB vs 1003 MB is noise, however certain; Kayenta's classic
 *    false positive). With normalizeBy "none" the levels are compared without a viewers term.
 *    Fixed cost (the level at 0 viewers, at the reference time) and per-viewer cost b are
 *    reported for both pods: level = fixed + b·viewers, so a per-viewer regression shows in b.
 *
 * 4. Growth rule -> Failed/HeapGrowth. G = (c_canary − c_baseline) × horizon, where horizon =
 *    min(leakHorizonSeconds, 3 × the time both series span) (compare.ts `growthHorizon`: a slope
 *    is never projected far beyond what was seen, so a late GC step in a young series cannot); it fails
 *    when the lower confidence bound of G exceeds the same two thresholds. A difference of slopes:
 *    warm-up both pods go through cancels.
 *
 * 5. Confirmation. One late GC step can still fake either rule at a single scrape, so a rule
 *    must hold at 3 consecutive evaluations: on the series as they are, and with the newest 1
 *    and 2 points of both series left out (each of those needs the sample minimum itself, so the
 *    earliest Failed comes at minSamples + 2 points). Like Argo Rollouts' consecutive-failure
 *    limit, but recomputed from the series, so no state is kept. A rule that fails now but is
 *    not yet confirmed when the window ends keeps the analysis Running (at most 2 more scrapes):
 *    it must not pass on evidence that currently says regression.
 *
 * 6. Failed as soon as a rule is confirmed (confidence makes early stopping safe, and the floors
 *    keep repeated looks at a lean build far from the line). Passed/WithinBudget only once the
 *    window has ended without a failure; before that Running/Collecting.
 *
 * 7. ThinLoad -> Inconclusive at window end instead of Passed, with normalizeBy "viewers", when
 *    the canary had no viewers at all (a per-viewer regression cannot show), or when the pods'
 *    mean viewers differ by more than 5 viewers AND by more than half the larger mean (comparing
 *    at a common load would extrapolate one of them). Then the levels are compared at each pod's
 *    own mean viewers instead, and a regression still fails when the canary served no more
 *    viewers than the baseline (memory does not fall with load, so that can only understate it).
 *
 * 8. History (second opinion). With `lastGood` (the fixed and per-viewer estimates of the last
 *    revision that passed), the canary's level at the reference is compared with that model by
 *    the same thresholds and reported in `history`. It never changes the phase.
 *
 * Defaults: confidence 0.99 one-sided (intervals in the output are two-sided at 98 %),
 * leakHorizonSeconds 3600. Bytes are shown in MB = 10^6 bytes.
 *
 * What this buys, measured on simulate.ts (5-min window, 30 s scrapes, thresholds 20 % / 8 MB):
 *  - a lean pair with viewers 20 -> 60 -> 20 fails in 0.1 % of 1000 runs with a major GC every
 *    ~20 s or ~45 s, and in 2.3 % with one every ~90 s — all by the growth rule: a stale heap
 *    reading that catches up (or lags viewers on the way down) looks like a slope. The points
 *    carry no GC count or reading age yet, so stale readings cannot be told apart (projected a
 *    full hour, 12x a 5-min window, it was 0 %, 0.4 % and ~5 %, and a 20 s slope 180x);
 *  - with ±1.5 MB noise, the slowest leak caught within the window in ≥ 95 % of runs is ~3 MB/min
 *    (2 MB/min in ~51 %); the budget rate itself is ~0.2 MB/min, so slow leaks need a longer
 *    window or a longer bake;
 *  - a level regression of +25 MB on ~80 MB (31 %) is caught in ~85 % of runs, +30 MB in ~97 %.
 */
import { againstLastGood, evaluate, type CompareSettings, type Comparison, type Estimate, type Evaluation } from "./compare.js";
import { describeFailure, describeHistory, describeLevel } from "./verdictMessage.js";
import type { SeriesPoint } from "./types.js";

export type { Comparison, Estimate } from "./compare.js";

export interface VerdictSettings {
  maxRegressionPercent: number;
  minRegressionBytes: number;
  minSamples: number;
  windowSeconds: number;
  normalizeBy: "viewers" | "none";
  /** One-sided confidence of the bounds, in [0.5, 1) (outside it judge throws RangeError); default 0.99. */
  confidence?: number;
  /** How far a growth-rate difference is projected before it is judged; default 3600 s. */
  leakHorizonSeconds?: number;
}

export interface VerdictInput {
  canary: SeriesPoint[];
  baseline: SeriesPoint[];
  settings: VerdictSettings;
  elapsedSeconds: number;
  /** `fixed.canary.value` and `perViewer.canary.value` of the last revision that passed. */
  lastGood?: { fixedBytes: number; bytesPerViewer: number };
}

export type VerdictPhase = "Running" | "Passed" | "Failed" | "Inconclusive";
export type VerdictReason = "HeapRegression" | "HeapGrowth" | "WithinBudget" | "InsufficientData" | "ThinLoad" | "Collecting";

export interface Verdict {
  phase: VerdictPhase;
  reason: VerdictReason;
  /** One line for a person: numbers in MB, % and the rule that fired. */
  message: string;
  samples: number;
  /** At the reference load and time. */
  canaryBytes?: number;
  baselineBytes?: number;
  regressionPercent?: number;
  fixed?: Comparison;
  perViewer?: Comparison;
  growthPerHour?: Comparison;
  history?: { message: string; regressed: boolean };
}

export const DEFAULT_CONFIDENCE = 0.99;
export const DEFAULT_LEAK_HORIZON_SECONDS = 3600;
/** Fewest points a three-parameter fit can be judged on (one degree of freedom left). */
export const MIN_FIT_POINTS = 3;
/** Consecutive evaluations (this scrape and the ones before) a rule must fail at (rule 5). */
export const CONFIRMATIONS = 3;

const usable = (points: readonly SeriesPoint[]): SeriesPoint[] =>
  points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.bytes) && Number.isFinite(p.viewers)).sort((x, y) => x.t - y.t);

export function judge(input: VerdictInput): Verdict {
  const { settings } = input;
  const canary = usable(input.canary);
  const baseline = usable(input.baseline);
  const compare: CompareSettings = {
    maxRegressionPercent: settings.maxRegressionPercent,
    minRegressionBytes: settings.minRegressionBytes,
    normalizeBy: settings.normalizeBy,
    confidence: settings.confidence ?? DEFAULT_CONFIDENCE,
    leakHorizonSeconds: settings.leakHorizonSeconds ?? DEFAULT_LEAK_HORIZON_SECONDS,
  };
  const samples = Math.min(canary.length, baseline.length);
  const needed = Math.max(settings.minSamples, MIN_FIT_POINTS);
  const ended = input.elapsedSeconds >= settings.windowSeconds;
  if (samples < needed) {
    const counts = `canary ${canary.length}, baseline ${baseline.length} of ${needed} samples`;
    return ended
      ? { phase: "Inconclusive", reason: "InsufficientData", samples, message: `window ended with ${counts}: missing data is not a regression` }
      : { phase: "Running", reason: "Collecting", samples, message: `collecting: ${counts}` };
  }

  // Evaluation k leaves out the newest k points of both series (rule 5).
  const evaluations: Evaluation[] = [];
  for (let k = 0; k < CONFIRMATIONS && samples - k >= needed; k++) {
    evaluations.push(evaluate(canary.slice(0, canary.length - k), baseline.slice(0, baseline.length - k), compare));
  }
  const now = evaluations[0]!;
  const confirmed = (fails: (e: Evaluation) => boolean): boolean => evaluations.length === CONFIRMATIONS && evaluations.every(fails);
  const levelConfirmed = confirmed((e) => e.levelFails);
  const growthConfirmed = confirmed((e) => e.growthFails);

  const verdict: Verdict = { phase: "Running", reason: "Collecting", message: "", samples, ...numbers(now) };
  if (input.lastGood) {
    const h = againstLastGood(now, input.lastGood, compare);
    verdict.history = { regressed: h.regressed, message: describeHistory(now, h, input.lastGood, compare) };
  }

  if (levelConfirmed || growthConfirmed) {
    verdict.phase = "Failed";
    verdict.reason = levelConfirmed ? "HeapRegression" : "HeapGrowth";
    verdict.message = describeFailure(now, verdict.reason, compare);
    return verdict;
  }
  const pending = now.levelFails || now.growthFails;
  const level = describeLevel(now, compare);
  if (!ended || pending) {
    const left = Math.max(0, settings.windowSeconds - input.elapsedSeconds);
    verdict.message = pending
      ? `confirming a suspected ${now.levelFails ? "regression" : "growth"} over the next scrapes: ${level}`
      : `no confident regression yet (${Math.round(left)} s of the window left): ${level}`;
    return verdict;
  }
  if (now.thin) {
    verdict.phase = "Inconclusive";
    verdict.reason = "ThinLoad";
    verdict.message =
      now.thin === "NoViewers"
        ? `canary had no viewers during the window, so a per-viewer regression cannot show: ${level}`
        : `viewers differ too much to compare per viewer (canary ${now.meanViewers.canary.toFixed(1)}, baseline ${now.meanViewers.baseline.toFixed(1)} on average; rule: more than 5 apart and more than half the larger): ${level}`;
    return verdict;
  }
  verdict.phase = "Passed";
  verdict.reason = "WithinBudget";
  verdict.message = `within budget: ${level}`;
  return verdict;
}

function numbers(e: Evaluation): Partial<Verdict> {
  const out: Partial<Verdict> = { canaryBytes: Math.round(e.canaryLevel.value), baselineBytes: Math.round(e.baselineLevel.value) };
  if (e.baselineLevel.value > 0) out.regressionPercent = round1((100 * (e.canaryLevel.value - e.baselineLevel.value)) / e.baselineLevel.value);
  // Whole bytes: the estimates go into status, where fractions of a byte are noise.
  if (e.fixed) out.fixed = whole(e.fixed);
  if (e.perViewer) out.perViewer = whole(e.perViewer);
  if (e.growthPerHour) out.growthPerHour = whole(e.growthPerHour);
  return out;
}

const wholeEstimate = (x: Estimate): Estimate => ({ value: Math.round(x.value), low: Math.round(x.low), high: Math.round(x.high) });
const whole = (c: Comparison): Comparison => ({ canary: wholeEstimate(c.canary), baseline: wholeEstimate(c.baseline) });

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * The soak's verdict (pure): does the heap after GC grow, and did any session leak?
 *
 * Heap: each reading of `mediafleet_heap_after_gc_bytes` taken after a new major GC is one
 * point (t, bytes, viewers then). The fit is the operator's own (operator/analysis/fit.ts):
 * bytes ≈ a + b·viewers + c·t by ordinary least squares, so the viewers joining and leaving
 * (each holds heap while it lives) explain their share and c is the growth the load does
 * not explain. 1 KB = 1000 bytes, 1 MB = 10^6, as in the project's other reports.
 *
 * Consecutive after-GC readings are not independent (what one GC kept, the next mostly keeps
 * too), and plain OLS then reports an interval narrower than the truth. The interval is
 * therefore widened for lag-1 autocorrelation of the residuals (AR(1) effective sample size,
 * n·(1−ρ)/(1+ρ), the usual correction for a trend in autocorrelated series); with ρ ≤ 0 it is
 * plain OLS. Both intervals are reported.
 */
import { fitMemory } from "../../operator/analysis/fit.js";
import { studentTQuantile } from "../../operator/analysis/studentT.js";

export type Outcome = "Passed" | "Failed" | "Inconclusive";

export interface HeapPoint {
  /** Seconds since the soak started. */
  t: number;
  bytes: number;
  viewers: number;
}

/**
 * The growth below which the soak does not fail even when the interval excludes zero.
 * Why 50 KB/min:
 *  - what a 30-minute run can tell: 50 KB/min is 1.5 MB from start to end, about the swing of
 *    the heap after GC from one major GC to the next under churn (each viewer holds ~36 KB, a
 *    crowd of 30 moves by several viewers between GCs; JIT code, inline caches and interned
 *    strings still settle in the first minutes). A smaller slope whose interval excludes zero
 *    is more likely warm-up or correlation the AR(1) correction misses than a leak;
 *  - what it would cost: 50 KB/min is 3 MB/h, 72 MB a day, a day's growth of about twice the
 *    node's live heap (~30 MB), so anything above it would break a pod sized for its measured
 *    RSS within a day or two; slower growth needs a longer run (`--minutes`) to see;
 *  - leaked sessions, the leak the field report feared, do not rely on it: they are counted
 *    exactly (sessions ended = started, werift peer connections back to the publisher's).
 */
export const PRACTICAL_FLOOR_KB_PER_MIN = 50;
/** Fewer points than this after the first major GC cannot estimate a slope and its noise. */
export const MIN_HEAP_POINTS = 8;
export const CONFIDENCE = 0.95;

export interface SlopeEstimate {
  points: number;
  kbPerMin: number;
  /** The interval used for the verdict (widened for autocorrelation). */
  ci: [number, number];
  /** Plain OLS interval, for comparison. */
  olsCi: [number, number];
  /** Lag-1 autocorrelation of the residuals. */
  rho: number;
  effectivePoints: number;
  kbPerViewer?: number;
  /** The fitted line passes through (mean t, mean bytes) with slope kbPerMin: what a plot draws. */
  centre: { t: number; bytes: number };
}

/** Lag-1 autocorrelation of a series (0 for fewer than 3 values or no variation). */
export function lag1Autocorrelation(values: readonly number[]): number {
  if (values.length < 3) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < values.length; i++) {
    den += (values[i]! - mean) ** 2;
    if (i > 0) num += (values[i]! - mean) * (values[i - 1]! - mean);
  }
  return den > 0 ? num / den : 0;
}

const perMinKb = (bytesPerSecond: number) => (bytesPerSecond * 60) / 1000;

/** The heap's growth over time in KB/min with its 95 % interval; undefined without enough points. */
export function heapSlope(points: readonly HeapPoint[]): SlopeEstimate | undefined {
  if (points.length < MIN_HEAP_POINTS) return undefined;
  const fit = fitMemory(points);
  if (!fit.perSecond) return undefined;
  const { value, se } = fit.perSecond;
  const slopeColumns = fit.columns.length;
  const rho = Math.max(0, lag1Autocorrelation(fit.residuals));
  const effective = (fit.n * (1 - rho)) / (1 + rho);
  const halfWidth = (scale: number, dof: number) => studentTQuantile(1 - (1 - CONFIDENCE) / 2, dof) * se * scale;
  const ols = halfWidth(1, fit.dof);
  // se·sqrt(n/n_eff) and n_eff − (1 + slopes) degrees of freedom; Infinity when n_eff is too small.
  const widened = halfWidth(Math.sqrt(fit.n / effective), effective - 1 - slopeColumns);
  return {
    points: fit.n,
    kbPerMin: perMinKb(value),
    ci: [perMinKb(value - widened), perMinKb(value + widened)],
    olsCi: [perMinKb(value - ols), perMinKb(value + ols)],
    rho,
    effectivePoints: effective,
    ...(fit.perViewer ? { kbPerViewer: fit.perViewer.value / 1000 } : {}),
    centre: { t: fit.means.t, bytes: fit.means.bytes },
  };
}

export interface Finding {
  outcome: Outcome;
  what: string;
}

/** Failed only for growth: the interval above zero AND the slope above the practical floor. */
export function judgeSlope(slope: SlopeEstimate | undefined, floorKbPerMin = PRACTICAL_FLOOR_KB_PER_MIN): Finding {
  if (!slope) return { outcome: "Inconclusive", what: `heap after GC: fewer than ${MIN_HEAP_POINTS} readings after major GCs, no slope` };
  const text = `heap after GC ${fmt(slope.kbPerMin)} KB/min, 95 % CI [${fmt(slope.ci[0])}, ${fmt(slope.ci[1])}] (n=${slope.points}, floor ${floorKbPerMin} KB/min)`;
  if (!Number.isFinite(slope.ci[0])) return { outcome: "Inconclusive", what: `${text}: too few independent readings for an interval` };
  if (slope.ci[0] > 0 && slope.kbPerMin > floorKbPerMin) return { outcome: "Failed", what: `${text}: grows, distinguishable from zero and above the floor` };
  if (slope.ci[0] > 0) return { outcome: "Passed", what: `${text}: above zero but below the floor` };
  return { outcome: "Passed", what: `${text}: not distinguishable from zero growth` };
}

export interface SessionCounts {
  /** Viewer sessions the node created (its 201 answers to WHEP POSTs). */
  started: number;
  /** Viewer sessions the node ended (mediafleet_sessions_ended_total{kind="viewer"}). */
  ended: number;
  /** 201s the harness itself saw: a cross-check of `started`. */
  startedSeenByHarness: number;
  viewersNow: number;
  peerConnections: number;
  /** werift peer connections the publisher(s) hold: what the node must be back to. */
  publisherPeerConnections: number;
}

export function judgeSessions(c: SessionCounts): Finding[] {
  const findings: Finding[] = [];
  if (c.ended !== c.started) findings.push({ outcome: "Failed", what: `viewer sessions: ${c.started} started, ${c.ended} ended (${c.started - c.ended} never ended)` });
  else findings.push({ outcome: "Passed", what: `viewer sessions: ${c.started} started, ${c.ended} ended` });
  if (c.viewersNow !== 0) findings.push({ outcome: "Failed", what: `mediafleet_viewers is ${c.viewersNow} after every viewer left` });
  if (c.peerConnections !== c.publisherPeerConnections) {
    findings.push({ outcome: "Failed", what: `mediafleet_werift_peer_connections ${c.peerConnections} after every viewer left and GCs, the publisher's count is ${c.publisherPeerConnections}` });
  } else findings.push({ outcome: "Passed", what: `werift peer connections back to the publisher's ${c.publisherPeerConnections}` });
  // The harness lost track of its own viewers: the node's counts cannot be checked against the plan.
  if (c.startedSeenByHarness !== c.started) findings.push({ outcome: "Inconclusive", what: `the harness saw ${c.startedSeenByHarness} sessions created, the node counted ${c.started}` });
  return findings;
}

/** The share of planned viewers that must have connected for the run to count as the load it claims. */
export const MIN_CONNECTED_SHARE = 0.9;

export interface LoadDone {
  planned: number;
  connected: number;
  restartsDone: number;
  /** How much mediafleet_source_restarts_total moved over the run. */
  restartsSeen: number;
}

/** Whether the soak put on the node what it says: otherwise its other findings speak of a lighter run. */
export function judgeLoad(l: LoadDone): Finding[] {
  const findings: Finding[] = [];
  const what = `viewers: ${l.connected} of ${l.planned} planned connected`;
  if (l.planned === 0 || l.connected < MIN_CONNECTED_SHARE * l.planned) findings.push({ outcome: "Inconclusive", what: `${what} (under ${MIN_CONNECTED_SHARE * 100} %: not the load asked for)` });
  else findings.push({ outcome: "Passed", what });
  // A restart whose new numbering lands just ahead of the old one is read by the node as loss,
  // by design (sourceContinuity.ts): a miss now and then is reported, not judged. None seen at
  // all means the run never exercised restarts.
  if (l.restartsDone > 0 && l.restartsSeen === 0) findings.push({ outcome: "Inconclusive", what: `RTP source restarted ${l.restartsDone} times, the node saw none` });
  return findings;
}

/** Failed if any finding failed, else Inconclusive if any was, else Passed. */
export function overall(findings: readonly Finding[]): Outcome {
  if (findings.some((f) => f.outcome === "Failed")) return "Failed";
  if (findings.some((f) => f.outcome === "Inconclusive")) return "Inconclusive";
  return "Passed";
}

/** 0 passed, 1 failed, 2 could not judge (missing data is never a failure, nor a pass). */
export const exitCode = (outcome: Outcome): number => (outcome === "Passed" ? 0 : outcome === "Failed" ? 1 : 2);

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : String(v);
}

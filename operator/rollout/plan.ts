/**
 * The rollout of a MediaServer's revisions (pure: status + pods + a scrape round -> layout,
 * status, conditions, events). A revision is image + config hash.
 *
 * - No last good revision yet (first deployment): the fleet runs the spec's revision; it
 *   becomes the last good one after `bakeTime` with `minSamples` scrape rounds (mode "bake":
 *   nothing to compare with, and status says so).
 * - Spec names the last good revision: the fleet runs it, nothing else.
 * - Spec names a rejected revision (and no mediafleet.io/retry): the fleet stays on the last
 *   good revision, Degraded/ImageRejected says why.
 * - Spec names a new revision: the fleet stays on the last good one; ONE canary pod (new) and
 *   ONE baseline pod (last good) start together. Each scrape round adds a point (canary and
 *   baseline memory and viewers) once both pods have run a major GC (before it a pod's reading
 *   is its current memory, garbage included: analysis/firstMajorGc.ts); `judge` decides.
 *   Failed (heap regression or growth, OOM kill, crash, not Ready in time): the revision is
 *   rejected with what grew, canary and baseline go, the fleet was never touched. Passed: it
 *   becomes the last good revision and rolls to the fleet. Inconclusive: canary and baseline
 *   are held, never promoted, until retry or a new spec.
 * The analysis lives in status (points included), so a restarted operator continues it.
 */
import type { AnalysisPoint, AnalysisStatus, HeapGrowth, LastGoodRevision, MediaServerSpec, MediaServerStatus, RejectedImage, RevisionRef } from "../api/types.js";
import { ConditionReasons, ConditionTypes, EventReasons } from "../api/conditions.js";
import { parseDuration } from "../../common/duration.js";
import type { ProfileSites } from "../analysis/siteDiff.js";
import { topGrowth } from "../analysis/siteDiff.js";
import type { PodSample } from "../analysis/types.js";
import { judge, type Verdict } from "../analysis/verdict.js";
import { beforeFirstMajorGc, WAITING_FOR_MAJOR_GC } from "../analysis/firstMajorGc.js";
import type { ConditionInput } from "../api/conditions.js";
import { revisionKey } from "../desired/index.js";
import type { PodObservation } from "./observe.js";

export const MAX_POINTS = 240;
const MAX_REJECTED = 50;
const MiB = 1024 * 1024;

export interface ScrapeRound {
  timeMs: number;
  samples: PodSample[];
}

export interface PlanInput {
  spec: MediaServerSpec;
  /** The revision the spec names. */
  specRevision: RevisionRef;
  status: MediaServerStatus | undefined;
  /** The last good revision's config is still in its ConfigMap (it can be restored). */
  lastGoodRestorable: boolean;
  /** mediafleet.io/retry is set. */
  retry: boolean;
  pods: PodObservation[];
  /** A scrape round that completed in this reconcile, if one was due. */
  round?: ScrapeRound;
  /** Latest heap profiles of the canary and the baseline (for topGrowth). */
  profiles?: { canary?: ProfileSites; baseline?: ProfileSites };
  nowMs: number;
}

export type PlanEvent = { type: "Normal" | "Warning"; reason: string; note: string };

export interface Plan {
  /** What the fleet runs ("spec": the spec's revision; "lastGood": the last good one), and whether canary and baseline run. */
  stable: "spec" | "lastGood";
  canary: boolean;
  baseline: boolean;
  /** Identifies the analysis on canary and baseline pod templates: a new analysis starts fresh pods. */
  analysisId?: string;
  status: Pick<MediaServerStatus, "analysis" | "lastGoodImage" | "lastGoodRevision" | "rejectedImages">;
  conditions: ConditionInput[];
  events: PlanEvent[];
  consumeRetry: boolean;
  rolledBack: boolean;
  /** Scrape rounds are useful now (an analysis or a bake is running). */
  scraping: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const sameRevision = (a: RevisionRef | undefined, b: RevisionRef | undefined) => !!a && !!b && a.image === b.image && a.configHash === b.configHash;
export const describeRevision = (r: RevisionRef) => `${r.image} (config ${r.configHash.slice(0, 10)})`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function analysisRevision(a: AnalysisStatus | undefined): RevisionRef | undefined {
  return a?.configHash ? { image: a.image, configHash: a.configHash } : undefined;
}

export function plan(input: PlanInput): Plan {
  const { spec, specRevision: target, status } = input;
  const lastGood = status?.lastGoodRevision && input.lastGoodRestorable ? status.lastGoodRevision : undefined;
  const base: Plan = {
    stable: "spec",
    canary: false,
    baseline: false,
    status: { ...(status?.analysis ? { analysis: status.analysis } : {}), ...(lastGood ? { lastGoodImage: lastGood.image, lastGoodRevision: lastGood } : {}), ...(status?.rejectedImages ? { rejectedImages: status.rejectedImages } : {}) },
    conditions: [],
    events: [],
    consumeRetry: false,
    rolledBack: false,
    scraping: false,
  };
  if (!spec.rollback.enabled) {
    return { ...base, conditions: [degraded(false, ConditionReasons.AsExpected, "heap analysis disabled (spec.rollback.enabled: false); the fleet runs the spec's revision")] };
  }
  if (!lastGood) return bake(input, base);
  if (sameRevision(target, lastGood)) {
    const analysis = status?.analysis;
    // The spec went back to the last good revision while another one was analysed: that analysis is over.
    if (analysis?.phase === "Running" && !sameRevision(analysisRevision(analysis), target)) {
      base.status.analysis = { ...analysis, phase: "Inconclusive", reason: "Superseded", finishedAt: iso(input.nowMs), message: `abandoned: spec returned to the last good revision ${describeRevision(lastGood)}` };
    }
    return { ...base, stable: "lastGood", conditions: [degraded(false, ConditionReasons.AsExpected, `running the last good revision ${describeRevision(lastGood)}`)] };
  }
  const current = status?.analysis;
  const analysing = sameRevision(analysisRevision(current), target) && current!.mode === "canary";
  // A retry annotation still there while the analysis it asked for runs is consumed (again).
  if (analysing && current!.phase === "Running") return canaryStep(input, { ...base, consumeRetry: input.retry }, lastGood, current!);
  const rejected = status?.rejectedImages?.find((r) => sameRevision(r.configHash ? { image: r.image, configHash: r.configHash } : undefined, target));
  if (!input.retry) {
    if (analysing && current!.phase === "Inconclusive") return hold(base, current!);
    if (rejected) {
      return {
        ...base,
        stable: "lastGood",
        conditions: [
          degraded(true, ConditionReasons.ImageRejected, `revision ${describeRevision(target)} was rolled back at ${rejected.at} (${rejected.reason}); the fleet stays on ${describeRevision(lastGood)}. Change the spec or set mediafleet.io/retry to analyse it again`),
          progressing(false, ConditionReasons.ImageRejected, "nothing to roll out"),
        ],
      };
    }
  }
  // A new analysis: a new revision, a retry, or the spec changed during an analysis.
  const analysis: AnalysisStatus = { image: target.image, configHash: target.configHash, phase: "Running", mode: "canary", reason: "Collecting", startedAt: iso(input.nowMs), samples: 0, points: [], message: `canary ${describeRevision(target)} against a fresh baseline of ${describeRevision(lastGood)}` };
  const started = canaryStep({ ...input, round: undefined }, { ...base, consumeRetry: input.retry }, lastGood, analysis);
  started.events.unshift({ type: "Normal", reason: EventReasons.AnalysisStarted, note: `analysing ${describeRevision(target)}: one canary pod beside one fresh baseline pod of ${describeRevision(lastGood)}; the fleet stays on the last good revision` });
  return started;
}

function settingsOf(spec: MediaServerSpec) {
  return {
    maxRegressionPercent: spec.rollback.maxHeapRegressionPercent,
    minRegressionBytes: spec.rollback.minRegressionMiB * MiB,
    minSamples: spec.rollback.minSamples,
    windowSeconds: parseDuration(spec.rollback.window) / 1000,
    normalizeBy: spec.rollback.normalizeBy,
  };
}

const memory = (s: PodSample) => s.heapAfterGcBytes + s.externalBytes;

function canaryStep(input: PlanInput, base: Plan, lastGood: LastGoodRevision, previous: AnalysisStatus): Plan {
  const target = input.specRevision;
  const canaryKey = revisionKey(target);
  const baselineKey = revisionKey(lastGood);
  const startedMs = Date.parse(previous.startedAt!);
  // Only pods of THIS analysis: a retry or a spec change restarts both, and the old ones may
  // still be Ready for a moment (timestamps are whole seconds, hence the slack).
  const live = input.pods.filter((p) => !p.deleting && p.startMs !== undefined && p.startMs >= startedMs - 1000);
  const canaryPod = live.find((p) => p.role === "canary" && p.revision === canaryKey);
  const baselinePod = live.find((p) => p.role === "baseline" && p.revision === baselineKey);
  const analysis: AnalysisStatus = { ...previous, points: [...(previous.points ?? [])] };
  const running: Plan = { ...base, stable: "lastGood", canary: true, baseline: true, analysisId: previous.startedAt!, scraping: true, status: { ...base.status, analysis } };

  if (canaryPod?.oomKilled) return fail(input, running, lastGood, analysis, "OOMKilled", `the canary pod ${canaryPod.name} was OOM-killed (memory limit exceeded)`);
  if (canaryPod && (canaryPod.restarts > 0 || canaryPod.crashing)) return fail(input, running, lastGood, analysis, "CanaryCrashed", `the canary pod ${canaryPod.name} restarted ${canaryPod.restarts} time(s)${canaryPod.crashing ? " and is crash-looping" : ""}`);
  if (!analysis.readyAt) {
    if (canaryPod?.ready && baselinePod?.ready) {
      analysis.readyAt = iso(input.nowMs);
    } else if (input.nowMs - startedMs > parseDuration(input.spec.rollback.progressDeadline)) {
      if (!canaryPod?.ready) return fail(input, running, lastGood, analysis, "ProgressDeadlineExceeded", `the canary was not Ready within progressDeadline ${input.spec.rollback.progressDeadline}`);
      return inconclusive(running, analysis, input.nowMs, "BaselineNotReady", `the baseline pod of ${describeRevision(lastGood)} was not Ready within progressDeadline ${input.spec.rollback.progressDeadline}; nothing to compare with`);
    }
  }
  // Why the latest round was not counted, when a pod had not run a major GC yet. Between rounds
  // the word of the last one stands (no round, nothing new to say, no status write).
  let notCounted = previous.reason === WAITING_FOR_MAJOR_GC ? previous.message : undefined;
  if (analysis.readyAt && input.round && canaryPod && baselinePod) {
    const c = input.round.samples.find((s) => s.pod === canaryPod.name);
    const b = input.round.samples.find((s) => s.pod === baselinePod.name);
    if (c && b) {
      const young = beforeFirstMajorGc([c, b]);
      notCounted = young ? `round not counted: ${young}` : undefined;
      // A round counts only with both heap profiles: without them a verdict could not say what
      // grew, and a pod whose profile fails (401, garbage, timeout) must not pass unseen.
      if (c.sites && b.sites && !young) {
        const point: AnalysisPoint = { t: Math.max(0, (input.round.timeMs - Date.parse(analysis.readyAt)) / 1000), canaryBytes: memory(c), canaryViewers: c.viewers, baselineBytes: memory(b), baselineViewers: b.viewers };
        analysis.points = thin([...analysis.points!, point]);
        analysis.samples = (analysis.samples ?? 0) + 1;
      }
    }
  }
  const points = analysis.points!;
  const elapsedSeconds = analysis.readyAt ? (input.nowMs - Date.parse(analysis.readyAt)) / 1000 : 0;
  const verdict = judge({
    canary: points.map((p) => ({ t: p.t, bytes: p.canaryBytes, viewers: p.canaryViewers })),
    baseline: points.map((p) => ({ t: p.t, bytes: p.baselineBytes, viewers: p.baselineViewers })),
    settings: settingsOf(input.spec),
    elapsedSeconds,
    ...(lastGood.fixedBytes !== undefined && lastGood.bytesPerViewer !== undefined ? { lastGood: { fixedBytes: lastGood.fixedBytes, bytesPerViewer: lastGood.bytesPerViewer } } : {}),
  });
  applyVerdictNumbers(analysis, verdict);
  // The last good revision's history is a second opinion: said, never deciding.
  if (verdict.history) verdict.message = `${verdict.message}. Against the last good revision's history: ${verdict.history.message}`;
  if (verdict.phase === "Failed") return fail(input, running, lastGood, analysis, verdict.reason, verdict.message);
  if (verdict.phase === "Passed") return promote(input, running, analysis, verdict);
  if (verdict.phase === "Inconclusive") {
    const why = verdict.reason === "InsufficientData" && notCounted ? `${verdict.message}; latest ${notCounted}` : verdict.message;
    return inconclusive(running, analysis, input.nowMs, verdict.reason, why);
  }
  if (notCounted) {
    analysis.reason = WAITING_FOR_MAJOR_GC;
    analysis.message = notCounted;
  } else {
    analysis.reason = analysis.readyAt ? "Collecting" : "WaitingForPods";
    analysis.message = analysis.readyAt ? `${verdict.message}` : `waiting for the canary and the baseline to be Ready (progressDeadline ${input.spec.rollback.progressDeadline})`;
  }
  running.conditions = [progressing(true, ConditionReasons.AnalysisRunning, `analysing ${describeRevision(target)}: ${analysis.message}`), degraded(false, ConditionReasons.AsExpected, "the fleet runs the last good revision")];
  return running;
}

function applyVerdictNumbers(analysis: AnalysisStatus, verdict: Verdict): void {
  if (verdict.canaryBytes !== undefined) analysis.heapInuseBytes = Math.max(0, Math.round(verdict.canaryBytes));
  if (verdict.baselineBytes !== undefined) analysis.baselineHeapInuseBytes = Math.max(0, Math.round(verdict.baselineBytes));
  if (verdict.regressionPercent !== undefined && Number.isFinite(verdict.regressionPercent)) analysis.regressionPercent = Math.round(verdict.regressionPercent * 10) / 10;
}

/** Keeps the series bounded: past MAX_POINTS, every other old point goes (the recent half stays dense). */
function thin(points: AnalysisPoint[]): AnalysisPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const half = Math.floor(points.length / 2);
  return [...points.slice(0, half).filter((_, i) => i % 2 === 0), ...points.slice(half)];
}

function growthOf(input: PlanInput): HeapGrowth[] {
  const { canary, baseline } = input.profiles ?? {};
  if (!canary || !baseline) return [];
  return topGrowth(baseline, canary, { limit: 5 });
}

export function formatGrowth(growth: HeapGrowth[]): string {
  if (growth.length === 0) return "no allocation site named (heap profiles unavailable or no site grew)";
  return growth.map((g) => `${g.function} (${g.location ?? "?"}) +${mb(g.growthBytes)}`).join(", ");
}

function fail(input: PlanInput, running: Plan, lastGood: LastGoodRevision, analysis: AnalysisStatus, reason: string, message: string): Plan {
  const target = input.specRevision;
  const growth = growthOf(input);
  const at = iso(input.nowMs);
  Object.assign(analysis, { phase: "Failed", reason, message, finishedAt: at, topGrowth: growth });
  const entry: RejectedImage = {
    image: target.image,
    configHash: target.configHash,
    reason,
    message,
    at,
    ...(analysis.heapInuseBytes !== undefined ? { heapInuseBytes: analysis.heapInuseBytes } : {}),
    ...(analysis.baselineHeapInuseBytes !== undefined ? { baselineHeapInuseBytes: analysis.baselineHeapInuseBytes } : {}),
    ...(analysis.regressionPercent !== undefined ? { regressionPercent: analysis.regressionPercent } : {}),
    topGrowth: growth,
  };
  const others = (running.status.rejectedImages ?? []).filter((r) => !(r.image === target.image && r.configHash === target.configHash));
  const grewNote = `; grew: ${formatGrowth(growth)}`;
  const events: PlanEvent[] = [];
  if (reason === "HeapRegression" || reason === "HeapGrowth") events.push({ type: "Warning", reason: EventReasons.HeapRegression, note: `${describeRevision(target)}: ${message}${grewNote}` });
  events.push({ type: "Warning", reason: EventReasons.RolledBack, note: `${describeRevision(target)} rejected (${reason}): ${message}; canary and baseline removed, the fleet stays on ${describeRevision(lastGood)}${reason === "HeapRegression" || reason === "HeapGrowth" ? "" : grewNote}` });
  return {
    ...running,
    canary: false,
    baseline: false,
    scraping: false,
    rolledBack: true,
    status: { ...running.status, analysis, rejectedImages: [...others, entry].slice(-MAX_REJECTED) },
    conditions: [
      degraded(true, ConditionReasons.RolledBack, `${describeRevision(target)} rolled back (${reason}): ${message}`),
      progressing(false, ConditionReasons.RolledBack, `the fleet stays on ${describeRevision(lastGood)}`),
    ],
    events: [...running.events, ...events],
  };
}

function promote(input: PlanInput, running: Plan, analysis: AnalysisStatus, verdict: Verdict): Plan {
  const target = input.specRevision;
  const at = iso(input.nowMs);
  Object.assign(analysis, { phase: "Passed", reason: verdict.reason, message: verdict.message, finishedAt: at });
  const fit = verdict.perViewer && verdict.fixed ? { fixedBytes: Math.round(verdict.fixed.canary.value), bytesPerViewer: Math.round(verdict.perViewer.canary.value) } : {};
  const lastGood: LastGoodRevision = { image: target.image, configHash: target.configHash, promotedAt: at, ...fit };
  return {
    ...running,
    stable: "spec",
    canary: false,
    baseline: false,
    scraping: false,
    // Passed now: an earlier rejection of this revision (a retry proved it wrong) no longer blocks it.
    status: { ...running.status, analysis, lastGoodImage: target.image, lastGoodRevision: lastGood, rejectedImages: (running.status.rejectedImages ?? []).filter((r) => !(r.image === target.image && r.configHash === target.configHash)) },
    conditions: [progressing(true, ConditionReasons.AnalysisPassed, `${describeRevision(target)} passed (${verdict.message}); rolling it to the fleet`), degraded(false, ConditionReasons.AsExpected, "analysis passed")],
    events: [...running.events, { type: "Normal", reason: EventReasons.Promoted, note: `${describeRevision(target)} passed the heap analysis (${verdict.message}); rolling it to the fleet` }],
  };
}

function inconclusive(running: Plan, analysis: AnalysisStatus, nowMs: number, reason: string, message: string): Plan {
  Object.assign(analysis, { phase: "Inconclusive", reason, message, finishedAt: iso(nowMs) });
  return { ...hold(running, analysis), events: [...running.events, { type: "Warning", reason: ConditionReasons.InsufficientData, note: `analysis of ${analysis.image} inconclusive (${reason}): ${message}; canary held, fleet untouched` }] };
}

/** Inconclusive: canary and baseline stay, nothing is promoted, nothing is scraped into the verdict. */
function hold(base: Plan, analysis: AnalysisStatus): Plan {
  return {
    ...base,
    stable: "lastGood",
    canary: true,
    baseline: true,
    analysisId: analysis.startedAt!,
    scraping: false,
    status: { ...base.status, analysis },
    conditions: [
      degraded(true, ConditionReasons.InsufficientData, `analysis of ${analysis.image} inconclusive (${analysis.reason}): ${analysis.message ?? ""}. The canary is held and the fleet untouched; set mediafleet.io/retry to analyse again, or change the spec`),
      progressing(false, ConditionReasons.InsufficientData, "analysis inconclusive; canary held"),
    ],
  };
}

/** No last good revision: the fleet runs the spec's revision and it is promoted after bakeTime. */
function bake(input: PlanInput, base: Plan): Plan {
  const target = input.specRevision;
  const key = revisionKey(target);
  const previous = input.status?.analysis;
  const fresh = !(sameRevision(analysisRevision(previous), target) && previous!.mode === "bake");
  const analysis: AnalysisStatus = fresh
    ? { image: target.image, configHash: target.configHash, phase: "Running", mode: "bake", reason: "Baking", startedAt: iso(input.nowMs), samples: 0 }
    : { ...previous! };
  const events: PlanEvent[] = fresh ? [{ type: "Normal", reason: EventReasons.AnalysisStarted, note: `first revision ${describeRevision(target)}: no last good revision to compare with; it becomes the last good one after bakeTime ${input.spec.rollback.bakeTime} with ${input.spec.rollback.minSamples} samples` }] : [];
  const out: Plan = { ...base, stable: "spec", events, status: { ...base.status, analysis } };
  if (analysis.phase !== "Running") {
    out.conditions = [degraded(analysis.phase === "Failed", analysis.phase === "Failed" ? ConditionReasons.RolledBack : ConditionReasons.AsExpected, analysis.message ?? "")];
    return out;
  }
  out.scraping = true;
  const pods = input.pods.filter((p) => !p.deleting && p.role === "stable" && p.revision === key);
  const crashed = pods.find((p) => p.oomKilled || p.restarts > 0);
  if (crashed) {
    Object.assign(analysis, { phase: "Failed", reason: crashed.oomKilled ? "OOMKilled" : "CrashLoop", finishedAt: iso(input.nowMs), message: `pod ${crashed.name} of the first revision ${crashed.oomKilled ? "was OOM-killed" : `restarted ${crashed.restarts} time(s)`}; there is no last good revision to roll back to, so the fleet keeps running it` });
    out.scraping = false;
    out.conditions = [degraded(true, ConditionReasons.RolledBack, analysis.message!)];
    out.events.push({ type: "Warning", reason: EventReasons.HeapRegression, note: analysis.message! });
    return out;
  }
  const samples = input.round?.samples.filter((s) => s.role === "stable" && s.revision === key) ?? [];
  if (samples.length > 0) {
    analysis.samples = (analysis.samples ?? 0) + 1;
    analysis.heapInuseBytes = Math.round(samples.reduce((sum, s) => sum + memory(s), 0) / samples.length);
  }
  const bakedMs = input.nowMs - Date.parse(analysis.startedAt!);
  if (bakedMs >= parseDuration(input.spec.rollback.bakeTime) && analysis.samples >= input.spec.rollback.minSamples) {
    const at = iso(input.nowMs);
    Object.assign(analysis, { phase: "Passed", reason: "Baked", finishedAt: at, message: `first revision: no comparison was possible; ran ${Math.round(bakedMs / 1000)} s with ${analysis.samples} samples without crashing` });
    out.scraping = false;
    out.status = { ...out.status, analysis, lastGoodImage: target.image, lastGoodRevision: { image: target.image, configHash: target.configHash, promotedAt: at } };
    out.events.push({ type: "Normal", reason: EventReasons.Promoted, note: `${describeRevision(target)} is the last good revision (${analysis.message})` });
    out.conditions = [degraded(false, ConditionReasons.AsExpected, "first revision promoted")];
    return out;
  }
  // No elapsed time in the message: it would change the status at every reconcile with nothing new.
  analysis.message = `first revision: no last good revision to compare with; it becomes the last good one after bakeTime ${input.spec.rollback.bakeTime} with ${input.spec.rollback.minSamples} samples (${analysis.samples} so far)`;
  out.conditions = [degraded(false, ConditionReasons.AsExpected, analysis.message)];
  return out;
}

function degraded(on: boolean, reason: string, message: string): ConditionInput {
  return { type: ConditionTypes.Degraded, status: on ? "True" : "False", reason, message };
}

function progressing(on: boolean, reason: string, message: string): ConditionInput {
  return { type: ConditionTypes.Progressing, status: on ? "True" : "False", reason, message };
}

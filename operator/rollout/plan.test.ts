import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleMediaServer } from "../api/sample.js";
import type { MediaServerSpec, MediaServerStatus, RevisionRef } from "../api/types.js";
import { normalizeSpec } from "../api/validate.js";
import type { PodSample, SiteUsage } from "../analysis/types.js";
import { revisionKey, revisionOf } from "../desired/index.js";
import type { PodObservation } from "./observe.js";
import { MAX_POINTS, plan, type Plan, type PlanInput } from "./plan.js";

const MB = 1e6;
const T0 = Date.parse("2026-12-02T10:00:00Z");

function specWith(image: string, patch: (s: MediaServerSpec) => void = () => {}): MediaServerSpec {
  const spec = normalizeSpec({ ...sampleMediaServer().spec, image });
  spec.rollback = { ...spec.rollback, interval: "2s", window: "30s", minSamples: 5, bakeTime: "10s", progressDeadline: "60s" };
  patch(spec);
  return spec;
}

const GOOD = specWith("media-node:good");
const GOOD_REV = revisionOf(GOOD, { image: GOOD.image });
const lastGoodStatus = (rev: RevisionRef = GOOD_REV): MediaServerStatus => ({ lastGoodImage: rev.image, lastGoodRevision: { ...rev, promotedAt: "2026-12-02T09:00:00Z" } });

function pod(name: string, role: PodObservation["role"], rev: RevisionRef, extra: Partial<PodObservation> = {}): PodObservation {
  return { name, role, revision: revisionKey(rev), ready: true, deleting: false, ip: "127.0.0.1", startMs: T0 + 500, restarts: 0, oomKilled: false, crashing: false, metricsPort: 9998, pprofPort: 9999, ...extra };
}

function sample(p: PodObservation, bytes: number, viewers: number, timeMs: number, sites?: SiteUsage[]): PodSample {
  return { pod: p.name, revision: p.revision!, role: p.role!, podStartMs: T0, timeMs, heapAfterGcBytes: bytes * 0.4, externalBytes: bytes * 0.6, rssBytes: bytes * 2, viewers, publishers: 1, ...(sites ? { sites } : {}) };
}

function input(spec: MediaServerSpec, status: MediaServerStatus | undefined, pods: PodObservation[], nowMs: number, extra: Partial<PlanInput> = {}): PlanInput {
  return { spec, specRevision: revisionOf(spec, { image: spec.image }), status, lastGoodRestorable: true, retry: false, pods, nowMs, ...extra };
}

/** Feeds the plan its own status back, round after round, as the operator does. */
function runRounds(spec: MediaServerSpec, start: Plan, pods: PodObservation[], rounds: number, memory: (role: "canary" | "baseline", i: number) => number, startMs: number, profiles?: PlanInput["profiles"], sites: SiteUsage[] | null = []): { last: Plan; decidedAt?: number } {
  let status: MediaServerStatus = { ...lastGoodStatus(), ...start.status };
  let last = start;
  for (let i = 0; i < rounds; i++) {
    const now = startMs + (i + 1) * 2000;
    const [canary, baseline] = [pods.find((p) => p.role === "canary")!, pods.find((p) => p.role === "baseline")!];
    const round = { timeMs: now, samples: [sample(canary, memory("canary", i), 6, now, sites ?? undefined), sample(baseline, memory("baseline", i), 6, now, [])] };
    last = plan(input(spec, status, pods, now, { round, ...(profiles ? { profiles } : {}) }));
    status = { ...status, ...last.status };
    if (last.status.analysis?.phase !== "Running") return { last, decidedAt: now };
  }
  return { last };
}

test("no last good revision -> the fleet runs the spec (bake), promoted after bakeTime with minSamples, saying no comparison was possible", () => {
  const stablePods = [pod("s1", "stable", GOOD_REV), pod("s2", "stable", GOOD_REV)];
  const first = plan(input(GOOD, undefined, stablePods, T0));
  assert.equal(first.stable, "spec");
  assert.equal(first.canary, false);
  assert.equal(first.status.analysis?.mode, "bake");
  assert.deepEqual(first.events.map((e) => e.reason), ["AnalysisStarted"]);
  let status: MediaServerStatus = { ...first.status };
  let last = first;
  for (let i = 1; i <= 6; i++) {
    const now = T0 + i * 2000;
    last = plan(input(GOOD, status, stablePods, now, { round: { timeMs: now, samples: stablePods.map((p) => sample(p, 40 * MB, 3, now)) } }));
    status = { ...status, ...last.status };
    if (last.status.analysis?.phase !== "Running") break;
  }
  assert.equal(last.status.analysis?.samples, 5, "promoted at bakeTime (10 s) with minSamples (5)");
  assert.equal(last.status.lastGoodRevision?.configHash, GOOD_REV.configHash);
  assert.equal(last.status.lastGoodImage, "media-node:good");
  assert.equal(last.status.analysis?.phase, "Passed");
  assert.match(last.status.analysis!.message!, /no comparison was possible/);
  assert.deepEqual(last.events.map((e) => e.reason), ["Promoted"]);
});

test("bake needs minSamples too: bakeTime over without samples keeps it Running, and nothing new changes no status", () => {
  const first = plan(input(GOOD, undefined, [], T0));
  const later = plan(input(GOOD, { ...first.status }, [], T0 + 60_000));
  assert.equal(later.status.analysis?.phase, "Running");
  assert.equal(later.status.lastGoodRevision, undefined);
  const again = plan(input(GOOD, { ...later.status }, [], T0 + 90_000));
  assert.deepEqual(again.status, later.status, "a reconcile with no new sample must not write status (no hot loop)");
  assert.deepEqual(again.conditions, later.conditions);
});

test("a new image -> fleet stays on the last good revision; one canary and one baseline with a shared analysis id; AnalysisStarted once", () => {
  const spec = specWith("media-node:new");
  const started = plan(input(spec, lastGoodStatus(), [], T0));
  assert.equal(started.stable, "lastGood");
  assert.equal(started.canary, true);
  assert.equal(started.baseline, true);
  assert.equal(started.analysisId, "2026-12-02T10:00:00Z");
  assert.equal(started.status.analysis?.mode, "canary");
  assert.equal(started.consumeRetry, false);
  assert.deepEqual(started.events.map((e) => e.reason), ["AnalysisStarted"]);
  const again = plan(input(spec, { ...lastGoodStatus(), ...started.status }, [], T0 + 1000));
  assert.deepEqual(again.events, [], "a reconcile of the same analysis starts nothing");
  assert.equal(again.analysisId, started.analysisId);
});

test("canary OOM-killed -> Failed/OOMKilled before any sample: rejected, canary and baseline removed, RolledBack", () => {
  const spec = specWith("media-node:oom");
  const target = revisionOf(spec, { image: spec.image });
  const started = plan(input(spec, lastGoodStatus(), [], T0));
  const pods = [pod("c", "canary", target, { oomKilled: true, restarts: 1, ready: false }), pod("b", "baseline", GOOD_REV)];
  const failed = plan(input(spec, { ...lastGoodStatus(), ...started.status }, pods, T0 + 5000));
  assert.equal(failed.status.analysis?.phase, "Failed");
  assert.equal(failed.status.analysis?.reason, "OOMKilled");
  assert.equal(failed.canary, false);
  assert.equal(failed.baseline, false);
  assert.equal(failed.stable, "lastGood");
  assert.equal(failed.rolledBack, true);
  assert.deepEqual(failed.status.rejectedImages?.map((r) => [r.image, r.configHash, r.reason]), [["media-node:oom", target.configHash, "OOMKilled"]]);
  assert.deepEqual(failed.events.map((e) => e.reason), ["RolledBack"]);
  assert.equal(failed.conditions.find((c) => c.type === "Degraded")?.reason, "RolledBack");
});

test("canary not Ready within progressDeadline -> Failed; a baseline not Ready -> Inconclusive (nothing to compare)", () => {
  const spec = specWith("media-node:slow");
  const target = revisionOf(spec, { image: spec.image });
  const started = plan(input(spec, lastGoodStatus(), [], T0));
  const status = { ...lastGoodStatus(), ...started.status };
  const stuckCanary = plan(input(spec, status, [pod("c", "canary", target, { ready: false }), pod("b", "baseline", GOOD_REV)], T0 + 61_000));
  assert.equal(stuckCanary.status.analysis?.reason, "ProgressDeadlineExceeded");
  assert.equal(stuckCanary.status.analysis?.phase, "Failed");
  const stuckBaseline = plan(input(spec, status, [pod("c", "canary", target), pod("b", "baseline", GOOD_REV, { ready: false })], T0 + 61_000));
  assert.equal(stuckBaseline.status.analysis?.phase, "Inconclusive");
  assert.equal(stuckBaseline.canary, true, "held");
});

test("leaky canary vs lean baseline -> Failed/HeapRegression within the window, topGrowth names the site, never (external)", () => {
  const spec = specWith("media-node:leaky");
  const target = revisionOf(spec, { image: spec.image });
  const started = plan(input(spec, lastGoodStatus(), [], T0));
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const ready = plan(input(spec, { ...lastGoodStatus(), ...started.status }, pods, T0 + 1000));
  assert.ok(ready.status.analysis?.readyAt);
  const site = (fn: string, file: string, bytes: number, bufferObjects: number): SiteUsage => ({ function: fn, file, line: 106, bytes, objects: bufferObjects, bufferObjects });
  const profiles = {
    baseline: { sites: [site("forward", "media-node/fanout/forwardedTrack.js", 1 * MB, 100)], externalBytes: 10 * MB },
    canary: { sites: [site("forward", "media-node/fanout/forwardedTrack.js", 9 * MB, 90_000)], externalBytes: 120 * MB },
  };
  const { last, decidedAt } = runRounds(spec, ready, pods, 20, (role, i) => (role === "canary" ? 40 * MB + i * 6 * MB : 40 * MB + (i % 2) * 0.5 * MB), T0 + 1000, profiles);
  assert.equal(last.status.analysis?.phase, "Failed", last.status.analysis?.message);
  assert.match(last.status.analysis!.reason!, /HeapRegression|HeapGrowth/);
  assert.ok(decidedAt! - (T0 + 1000) <= 32_000, `decided after ${decidedAt! - T0 - 1000} ms`);
  const top = last.status.rejectedImages![0]!.topGrowth![0]!;
  assert.equal(top.function, "forward");
  assert.match(top.location ?? "", /forwardedTrack/);
  assert.ok(top.growthBytes > 100 * MB, `growth ${top.growthBytes}`);
  assert.deepEqual(last.events.map((e) => e.reason), ["HeapRegression", "RolledBack"]);
  assert.match(last.events[0]!.note, /grew: forward \(media-node\/fanout\/forwardedTrack\.js:106\)/);
});

test("an equally lean canary -> Passed at window end: promoted, the fleet moves to it, no rollback", () => {
  const spec = specWith("media-node:good2");
  const target = revisionOf(spec, { image: spec.image });
  const withHistory: MediaServerStatus = { lastGoodImage: GOOD_REV.image, lastGoodRevision: { ...GOOD_REV, promotedAt: "2026-12-02T09:00:00Z", fixedBytes: 40 * MB, bytesPerViewer: 0 } };
  const started = plan(input(spec, withHistory, [], T0));
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const ready = plan(input(spec, { ...withHistory, ...started.status }, pods, T0 + 1000));
  const { last } = runRounds(spec, ready, pods, 20, (_role, i) => 40 * MB + ((i * 7919) % 13) * 0.1 * MB, T0 + 1000);
  assert.match(last.status.analysis?.message ?? "", /Against the last good revision's history: /, "the history's second opinion is said");
  assert.equal(last.status.analysis?.phase, "Passed", last.status.analysis?.message);
  assert.equal(last.stable, "spec");
  assert.equal(last.canary, false);
  assert.equal(last.rolledBack, false);
  assert.equal(last.status.lastGoodRevision?.image, "media-node:good2");
  assert.deepEqual(last.events.map((e) => e.reason), ["Promoted"]);
});

test("rounds without the canary's heap profile (401, garbage, timeout) do not count: Inconclusive, never Passed or Failed", () => {
  const spec = specWith("media-node:pprof-401");
  const target = revisionOf(spec, { image: spec.image });
  const started = plan(input(spec, lastGoodStatus(), [], T0));
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const ready = plan(input(spec, { ...lastGoodStatus(), ...started.status }, pods, T0 + 1000));
  const { last } = runRounds(spec, ready, pods, 20, (role, i) => (role === "canary" ? 40 * MB + i * 6 * MB : 40 * MB), T0 + 1000, undefined, null);
  assert.equal(last.status.analysis?.phase, "Inconclusive");
  assert.equal(last.status.analysis?.reason, "InsufficientData");
  assert.equal(last.status.analysis?.samples, 0);
  assert.equal(last.rolledBack, false);
});

test("rejections are keyed by revision: a rejected knob change on image good does not reject good; retry allows another analysis", () => {
  const knob = specWith("media-node:good", (s) => (s.webrtc.nack = { mode: "perViewer", historyPackets: 8192 }));
  const knobRev = revisionOf(knob, { image: knob.image });
  assert.notEqual(knobRev.configHash, GOOD_REV.configHash);
  const status: MediaServerStatus = { ...lastGoodStatus(), rejectedImages: [{ image: "media-node:good", configHash: knobRev.configHash, reason: "HeapRegression", at: "2026-12-02T09:30:00Z" }] };
  const blocked = plan(input(knob, status, [], T0));
  assert.equal(blocked.canary, false);
  assert.equal(blocked.stable, "lastGood");
  assert.equal(blocked.conditions.find((c) => c.type === "Degraded")?.reason, "ImageRejected");
  // Same image, the last good config: it is the last good revision, not a rejected one.
  const good = plan(input(GOOD, status, [], T0));
  assert.equal(good.conditions.find((c) => c.type === "Degraded")?.status, "False");
  assert.equal(good.canary, false);
  const retried = plan(input(knob, status, [], T0, { retry: true }));
  assert.equal(retried.canary, true);
  assert.equal(retried.consumeRetry, true);
  assert.equal(retried.status.analysis?.phase, "Running");
  // Once the retried analysis runs, the rejection does not stop it (the annotation is gone by then).
  const continuing = plan(input(knob, { ...status, ...retried.status }, [], T0 + 2000));
  assert.equal(continuing.canary, true);
  assert.equal(continuing.status.analysis?.startedAt, retried.status.analysis?.startedAt);
});

test("a spec change during an analysis starts a new one (fresh canary AND baseline); back to the last good revision ends it", () => {
  const a = specWith("media-node:a");
  const b = specWith("media-node:b");
  const first = plan(input(a, lastGoodStatus(), [], T0));
  const second = plan(input(b, { ...lastGoodStatus(), ...first.status }, [], T0 + 5000));
  assert.equal(second.status.analysis?.image, "media-node:b");
  assert.notEqual(second.analysisId, first.analysisId, "a new analysis id restarts both pods");
  assert.deepEqual(second.events.map((e) => e.reason), ["AnalysisStarted"]);
  const back = plan(input(GOOD, { ...lastGoodStatus(), ...second.status }, [], T0 + 9000));
  assert.equal(back.canary, false);
  assert.equal(back.status.analysis?.reason, "Superseded");
});

test("Inconclusive holds canary and baseline and never promotes; without retry it stays held", () => {
  const spec = specWith("media-node:quiet");
  const target = revisionOf(spec, { image: spec.image });
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const started = plan(input(spec, lastGoodStatus(), pods, T0));
  // Ready at T0, no sample ever (scrapes failing), the window ends.
  const afterWindow = plan(input(spec, { ...lastGoodStatus(), ...started.status }, pods, T0 + 31_000));
  assert.equal(afterWindow.status.analysis?.phase, "Inconclusive");
  assert.equal(afterWindow.status.analysis?.reason, "InsufficientData");
  assert.equal(afterWindow.rolledBack, false);
  assert.equal(afterWindow.canary, true);
  assert.equal(afterWindow.stable, "lastGood");
  const later = plan(input(spec, { ...lastGoodStatus(), ...afterWindow.status }, pods, T0 + 90_000));
  assert.equal(later.status.analysis?.phase, "Inconclusive");
  assert.equal(later.canary, true);
  assert.equal(later.status.lastGoodRevision?.image, "media-node:good");
  assert.equal(later.scraping, false);
});

test("pods left from an earlier analysis of the same revision (a retry) do not count as this analysis's canary", () => {
  const spec = specWith("media-node:again");
  const target = revisionOf(spec, { image: spec.image });
  const started = plan(input(spec, lastGoodStatus(), [], T0 + 60_000, { retry: true }));
  const oldPods = [pod("c-old", "canary", target), pod("b-old", "baseline", GOOD_REV)];
  const stillOld = plan(input(spec, { ...lastGoodStatus(), ...started.status }, oldPods, T0 + 61_000));
  assert.equal(stillOld.status.analysis?.readyAt, undefined, "the comparison has not started");
  const fresh = [pod("c", "canary", target, { startMs: T0 + 62_000 }), pod("b", "baseline", GOOD_REV, { startMs: T0 + 62_000 })];
  const ready = plan(input(spec, { ...lastGoodStatus(), ...stillOld.status }, [...oldPods, ...fresh], T0 + 63_000));
  assert.ok(ready.status.analysis?.readyAt);
});

test("the series in status stays bounded", () => {
  const spec = specWith("media-node:long", (s) => (s.rollback = { ...s.rollback, window: "24h", interval: "1s", minSamples: 5 }));
  const target = revisionOf(spec, { image: spec.image });
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const started = plan(input(spec, lastGoodStatus(), pods, T0));
  const { last } = runRounds(spec, started, pods, MAX_POINTS + 50, () => 40 * MB, T0);
  assert.equal(last.status.analysis?.phase, "Running");
  assert.ok(last.status.analysis!.points!.length <= MAX_POINTS, `${last.status.analysis!.points!.length} points`);
  assert.equal(last.status.analysis!.samples, MAX_POINTS + 50);
});

test("rollback.enabled false -> the spec runs on the fleet and nothing is analysed", () => {
  const spec = specWith("media-node:new", (s) => (s.rollback = { ...s.rollback, enabled: false }));
  const decided = plan(input(spec, lastGoodStatus(), [], T0));
  assert.equal(decided.stable, "spec");
  assert.equal(decided.canary, false);
  assert.equal(decided.scraping, false);
  assert.deepEqual(decided.events, []);
});

test("a revision rejected once and passed on retry leaves rejectedImages: going back to it later needs no retry", () => {
  const spec = specWith("media-node:good2");
  const target = revisionOf(spec, { image: spec.image });
  const rejected: MediaServerStatus = { ...lastGoodStatus(), rejectedImages: [{ image: "media-node:good2", configHash: target.configHash, reason: "HeapGrowth", at: "2026-12-02T09:30:00Z" }, { image: "media-node:other", configHash: target.configHash, reason: "OOMKilled", at: "2026-12-02T09:40:00Z" }] };
  const started = plan(input(spec, rejected, [], T0, { retry: true }));
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const ready = plan(input(spec, { ...rejected, ...started.status }, pods, T0 + 1000));
  const { last } = runRounds(spec, ready, pods, 20, () => 40 * MB, T0 + 1000);
  assert.equal(last.status.analysis?.phase, "Passed");
  assert.deepEqual(last.status.rejectedImages?.map((r) => r.image), ["media-node:other"]);
});

/**
 * Rollout 12 of bench-results/rollback-2026-12-02T15-22-05.json (good2 -> good: the same build),
 * [t, canary bytes, baseline bytes, viewers each]. The canary's readings differ at every scrape
 * (its current memory: no major GC yet), the baseline's hold between its GCs. It was rejected
 * (HeapRegression) at the 9th round, 17 s after Ready.
 */
const BENCH_FALSE_ROLLBACK: Array<[number, number, number, number]> = [
  [1.258, 41_499_644, 29_279_940, 2], [3.257, 41_288_830, 29_279_940, 2], [5.271, 52_065_736, 29_279_940, 2],
  [7.29, 42_693_070, 29_279_940, 2], [9.323, 53_261_234, 31_573_530, 2], [11.332, 43_075_367, 31_573_530, 2],
  [13.35, 52_721_536, 31_573_530, 2], [15.37, 42_784_245, 31_573_530, 2], [17.396, 45_701_215, 31_573_530, 6],
];

const withGcs = (s: PodSample, majorGcs: number): PodSample => ({ ...s, majorGcs });

test("the benchmark's false rollback replayed (a canary before its first major GC, 41-53 MB, against a baseline after GC): not counted, never Failed; counted from its first major GC on, Passed", () => {
  const spec = specWith("media-node:good", (s) => (s.rollback = { ...s.rollback, window: "60s", minSamples: 6 }));
  const target = revisionOf(spec, { image: spec.image });
  const status0: MediaServerStatus = { lastGoodImage: "media-node:good2", lastGoodRevision: { image: "media-node:good2", configHash: target.configHash, promotedAt: "2026-12-02T09:00:00Z" } };
  const lastGoodRev = { image: "media-node:good2", configHash: target.configHash };
  const [canary, baseline] = [pod("c", "canary", target), pod("b", "baseline", lastGoodRev)];
  const started = plan(input(spec, status0, [], T0));
  const readyMs = T0 + 1000;
  let status: MediaServerStatus = { ...status0, ...plan(input(spec, { ...status0, ...started.status }, [canary, baseline], readyMs)).status };
  const round = (t: number, canaryBytes: number, canaryGcs: number, baselineBytes: number, viewers: number) => {
    const now = readyMs + Math.round(t * 1000);
    const samples = [withGcs(sample(canary, canaryBytes, viewers, now, []), canaryGcs), withGcs(sample(baseline, baselineBytes, viewers, now, []), 3)];
    const out = plan(input(spec, status, [canary, baseline], now, { round: { timeMs: now, samples } }));
    status = { ...status, ...out.status };
    return out;
  };
  for (const [t, canaryBytes, baselineBytes, viewers] of BENCH_FALSE_ROLLBACK) {
    const out = round(t, canaryBytes, 0, baselineBytes, viewers);
    assert.equal(out.status.analysis?.phase, "Running", `at ${t} s: ${out.status.analysis?.message}`);
    assert.equal(out.rolledBack, false);
  }
  assert.equal(status.analysis?.samples, 0);
  assert.equal(status.analysis?.reason, "WaitingForMajorGC");
  assert.match(status.analysis!.message!, /the canary \(c\) had run no major GC yet/);
  const between = plan(input(spec, status, [canary, baseline], readyMs + 18_400));
  assert.deepEqual(between.status.analysis, status.analysis, "a reconcile between rounds says the same and writes nothing");

  // The canary's first major GC, then after-GC readings as lean as the baseline's (viewers down at 40 s, as in the benchmark).
  for (let t = 19.4; t < 60; t += 2) {
    const viewers = t < 40 ? 6 : 2;
    const out = round(t, 30.8 * MB + ((Math.round(t) * 7919) % 11) * 0.1 * MB, 1 + Math.floor(t / 7), 31.57 * MB, viewers);
    assert.equal(out.status.analysis?.phase, "Running", `at ${t} s: ${out.status.analysis?.message}`);
  }
  assert.equal(status.analysis?.reason, "Collecting");
  assert.equal(status.analysis?.samples, 21, "every round from the canary's first major GC on");
  const end = plan(input(spec, status, [canary, baseline], readyMs + 61_000));
  assert.equal(end.status.analysis?.phase, "Passed", end.status.analysis?.message);
  assert.equal(end.rolledBack, false);
});

test("a canary that runs no major GC in the whole window: no round counted, Inconclusive/InsufficientData naming it at window end, never Failed however high its current memory", () => {
  const spec = specWith("media-node:quiet");
  const target = revisionOf(spec, { image: spec.image });
  const pods = [pod("c", "canary", target), pod("b", "baseline", GOOD_REV)];
  const started = plan(input(spec, lastGoodStatus(), [], T0));
  const readyMs = T0 + 1000;
  let status: MediaServerStatus = { ...lastGoodStatus(), ...plan(input(spec, { ...lastGoodStatus(), ...started.status }, pods, readyMs)).status };
  for (let i = 1; i <= 14; i++) {
    const now = readyMs + i * 2000;
    const samples = [withGcs(sample(pods[0]!, 70 * MB, 6, now, []), 0), withGcs(sample(pods[1]!, 30 * MB, 6, now, []), 2 + i)];
    const out = plan(input(spec, status, pods, now, { round: { timeMs: now, samples } }));
    assert.equal(out.status.analysis?.phase, "Running", out.status.analysis?.message);
    status = { ...status, ...out.status };
  }
  const end = plan(input(spec, status, pods, readyMs + 31_000));
  assert.equal(end.status.analysis?.phase, "Inconclusive");
  assert.equal(end.status.analysis?.reason, "InsufficientData");
  assert.equal(end.status.analysis?.samples, 0);
  assert.match(end.status.analysis!.message!, /missing data is not a regression; latest round not counted: the canary \(c\) had run no major GC yet/);
  assert.equal(end.rolledBack, false);
  assert.equal(end.canary, true, "held");
  assert.equal(end.conditions.find((c) => c.type === "Degraded")?.reason, "InsufficientData");
});

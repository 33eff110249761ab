/**
 * Heap-regression analysis and rollback, end to end: a real kube-apiserver and
 * kube-controller-manager, the operator as a process, pods run by the local kubelet as real
 * media-node processes (images mapped to builds by test/sim/images.yaml: good, good2, leaky =
 * the field report's per-viewer NACK copies), real WebRTC viewers on loopback.
 * Timings are short (interval 2 s, window 30 s, minSamples 5) so the story fits in minutes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sumSamples } from "../integration/operatorSupport.js";
import {
  IMAGE, closeViewers, connectViewers, deploymentNames, eventsOf, kubectl, mediaServer, mediaServerYaml, podsOf, readyPods,
  rolloutWorldForFile, startOperator, waitReady, waitStatus,
} from "./support/rollout.js";

const world = rolloutWorldForFile("127.31");
const NAME = "fleet";
const WINDOW_S = 30;
const INTERVAL_S = 2;
let fleetPods: string[] = [];
let fleetViewers: string[] = [];

const analysisOf = (ms: any) => ms.status?.analysis;
const isPhase = (image: string, phase: string) => (ms: any) => analysisOf(ms)?.image === image && analysisOf(ms)?.phase === phase;

async function patchSpec(spec: object): Promise<void> {
  await kubectl(world().kc, ["patch", "msrv", NAME, "--type=merge", "-p", JSON.stringify({ spec })]);
}

/** The canary and the baseline of the current analysis, both Ready, with viewers on each. */
async function canaryAndBaselineWithViewers(viewersEach: number): Promise<{ viewers: string[] }> {
  const { kc, clients } = world();
  const [canary] = await readyPods(kc, NAME, "canary", 1, 90_000);
  const [baseline] = await readyPods(kc, NAME, "baseline", 1, 90_000);
  const viewers = await connectViewers(clients, [canary!, baseline!], viewersEach);
  return { viewers };
}

async function fleetUntouched(): Promise<void> {
  const stable = (await podsOf(world().kc, NAME)).filter((p) => p.role === "stable" && !p.deleting).map((p) => p.name).sort();
  assert.deepEqual(stable, fleetPods, "the fleet's pods were never replaced");
}

test("first revision: runs on the fleet and becomes the last good one after bakeTime, saying no comparison was possible", { timeout: 180_000 }, async () => {
  const { kc, clients } = world();
  await kubectl(kc, ["apply", "-f", "-"], mediaServerYaml(NAME, IMAGE("good")));
  const pods = await readyPods(kc, NAME, "stable", 2, 120_000);
  fleetPods = pods.map((p) => p.name).sort();
  fleetViewers = await connectViewers(clients, pods, 2);
  const ms = await waitStatus(kc, NAME, "lastGoodImage good", (m) => m.status?.lastGoodImage === IMAGE("good"), 90_000);
  assert.equal(analysisOf(ms).mode, "bake");
  assert.equal(analysisOf(ms).phase, "Passed");
  assert.match(analysisOf(ms).message, /no comparison was possible/);
  assert.equal(ms.status.lastGoodRevision.configHash, ms.status.currentConfigHash);
  const events = (await eventsOf(kc, NAME)).map((e) => e.reason);
  assert.ok(events.includes("AnalysisStarted") && events.includes("Promoted"), events.join(","));
  assert.match(await kubectl(kc, ["get", "msrv", NAME]), /media-node:good\s+\d+\s+\S+\s+ghcr\.io\/mediafleet\/media-node:good/, "the Last Good printer column");
});

test("leaky: canary + baseline beside the untouched fleet; Failed within window + interval; rolled back naming the per-viewer history code", { timeout: 240_000 }, async () => {
  const { kc, clients, operator } = world();
  await patchSpec({ image: IMAGE("leaky") });
  const { viewers } = await canaryAndBaselineWithViewers(6);
  const ms = await waitStatus(kc, NAME, "leaky Failed", isPhase(IMAGE("leaky"), "Failed"), (WINDOW_S + 60) * 1000);
  const analysis = analysisOf(ms);
  const detectSeconds = (Date.parse(analysis.finishedAt) - Date.parse(analysis.readyAt)) / 1000;
  // Timestamps have whole seconds; the decision comes on the reconcile after a round.
  assert.ok(detectSeconds <= WINDOW_S + INTERVAL_S + 2, `decided ${detectSeconds} s after both were Ready`);
  assert.match(analysis.reason, /HeapRegression|HeapGrowth/);
  const rejected = ms.status.rejectedImages.find((r: any) => r.image === IMAGE("leaky"));
  assert.ok(rejected, "leaky is in rejectedImages");
  assert.equal(rejected.configHash, ms.status.lastGoodRevision.configHash, "the image changed, not the config");
  assert.ok(rejected.topGrowth.length > 0, "what grew is named");
  // An entry names the per-viewer history copy (forwardedTrack's Buffer.from); SRTP output buffers
  // (`protect`) sometimes rank above it in a profile taken early, see the session note.
  const top = rejected.topGrowth.find((g: any) => /forwardedTrack|ForwardedTrack|history/i.test(`${g.function} ${g.location}`));
  assert.ok(top, JSON.stringify(rejected.topGrowth));
  for (const g of rejected.topGrowth) {
    assert.doesNotMatch(g.function, /^\(/, "never (external) or another synthetic name");
    assert.doesNotMatch(g.location ?? "", /^node:/, "never a Node-internal frame");
  }
  assert.ok(top.growthBytes > 8 * 1024 * 1024, `top growth ${top.growthBytes} bytes`);
  const deployments = await (async () => {
    for (let i = 0; i < 40; i++) {
      const names = await deploymentNames(kc, NAME);
      if (names.length === 1) return names;
      await new Promise((r) => setTimeout(r, 250));
    }
    return deploymentNames(kc, NAME);
  })();
  assert.deepEqual(deployments, [NAME]);
  await fleetUntouched();
  assert.equal(ms.status.lastGoodImage, IMAGE("good"));
  assert.equal(ms.status.currentImage, IMAGE("good"));
  const events = await eventsOf(kc, NAME);
  const heapEvent = events.find((e) => e.reason === "HeapRegression");
  assert.ok(heapEvent, events.map((e) => e.reason).join(","));
  assert.match(heapEvent!.message, /grew: .*(forwardedTrack|ForwardedTrack)/);
  assert.ok(events.some((e) => e.reason === "RolledBack" && e.type === "Warning"));
  const degraded = ms.status.conditions.find((c: any) => c.type === "Degraded");
  assert.equal(degraded.status, "True");
  // RolledBack when it happened; ImageRejected from the next reconcile on (leaky is still in the spec).
  assert.match(degraded.reason, /^(RolledBack|ImageRejected)$/);
  assert.ok(sumSamples(await operator.metricsText(), "mediafleet_rollbacks_total") >= 1);
  await closeViewers(clients, viewers);
});

test("the rejected revision is never deployed again until retry; a retried analysis survives an operator restart and ends the same", { timeout: 240_000 }, async () => {
  const { kc } = world();
  // Still leaky in the spec: nothing runs it, the condition says why.
  await new Promise((r) => setTimeout(r, 3 * INTERVAL_S * 1000));
  assert.deepEqual(await deploymentNames(kc, NAME), [NAME]);
  const ms = await mediaServer(kc, NAME);
  assert.equal(ms.status.conditions.find((c: any) => c.type === "Degraded").reason, "ImageRejected");

  await kubectl(kc, ["annotate", "msrv", NAME, "mediafleet.io/retry=1"]);
  const running = await waitStatus(kc, NAME, "leaky analysed again", isPhase(IMAGE("leaky"), "Running"), 30_000);
  const startedAt = analysisOf(running).startedAt;
  await waitStatus(kc, NAME, "retry annotation consumed", (m) => m.metadata.annotations?.["mediafleet.io/retry"] === undefined, 15_000);
  const { viewers } = await canaryAndBaselineWithViewers(6);
  await waitStatus(kc, NAME, "a few samples", (m) => (analysisOf(m)?.samples ?? 0) >= 2, 60_000);

  // The operator dies mid-analysis; a new one picks the same analysis up from status.
  const first = world().operator;
  await first.stop("SIGKILL");
  const second = await startOperator({ kubeconfigPath: kc, name: "second", env: { LOG_LEVEL: "info" } });
  world().operator = second;
  await waitReady(second);
  const done = await waitStatus(kc, NAME, "leaky Failed again", isPhase(IMAGE("leaky"), "Failed"), (WINDOW_S + 60) * 1000);
  assert.equal(analysisOf(done).startedAt, startedAt, "the same analysis finished, not a new one");
  const starts = (await eventsOf(kc, NAME)).filter((e) => e.reason === "AnalysisStarted" && /leaky/.test(e.message));
  assert.equal(starts.length, 2, "one start for the first analysis, one for the retry; none for the restart");
  await fleetUntouched();
  await closeViewers(world().clients, viewers);
});

test("a knob regression on image good (nack perViewer, historyPackets 8192) is rejected as a revision; good itself is not", { timeout: 240_000 }, async () => {
  const { kc, clients } = world();
  await patchSpec({ image: IMAGE("good"), webrtc: { nack: { mode: "perViewer", historyPackets: 8192 } } });
  const { viewers } = await canaryAndBaselineWithViewers(6);
  const ms = await waitStatus(kc, NAME, "knob change Failed", (m) => analysisOf(m)?.image === IMAGE("good") && analysisOf(m)?.phase === "Failed", (WINDOW_S + 60) * 1000);
  const lastGoodHash = ms.status.lastGoodRevision.configHash;
  const rejectedGood = ms.status.rejectedImages.filter((r: any) => r.image === IMAGE("good"));
  assert.equal(rejectedGood.length, 1);
  assert.notEqual(rejectedGood[0].configHash, lastGoodHash, "rejected: good with the perViewer config");
  assert.equal(ms.status.lastGoodImage, IMAGE("good"), "good is still the last good image");
  assert.equal(ms.status.lastGoodRevision.configHash, lastGoodHash);
  await fleetUntouched();
  // Back to the last good config: the spec names the last good revision, nothing to analyse.
  await patchSpec({ webrtc: { nack: { mode: "shared", historyPackets: 512 } } });
  const back = await waitStatus(kc, NAME, "back on the last good revision", (m) => m.status.conditions.find((c: any) => c.type === "Degraded")?.status === "False", 30_000);
  assert.equal(back.status.currentConfigHash, lastGoodHash);
  await closeViewers(clients, viewers);
});

test("good2 (equally lean) while viewers swing: Passed, promoted, rolled to the fleet, no rollback", { timeout: 300_000 }, async () => {
  const { kc, clients, operator } = world();
  const rollbacksBefore = sumSamples(await operator.metricsText(), "mediafleet_rollbacks_total");
  await patchSpec({ image: IMAGE("good2") });
  const [canary] = await readyPods(kc, NAME, "canary", 1, 90_000);
  const [baseline] = await readyPods(kc, NAME, "baseline", 1, 90_000);
  // Viewers swing 2 -> 6 -> 2 per pod over the window, the same on both.
  const base = await connectViewers(clients, [canary!, baseline!], 2);
  await new Promise((r) => setTimeout(r, 8000));
  const swing = await connectViewers(clients, [canary!, baseline!], 4);
  await new Promise((r) => setTimeout(r, 10_000));
  await closeViewers(clients, swing);
  const ms = await waitStatus(kc, NAME, "good2 Passed", (m) => m.status?.lastGoodImage === IMAGE("good2"), (WINDOW_S + 90) * 1000);
  assert.equal(analysisOf(ms).phase, "Passed");
  assert.ok(analysisOf(ms).samples >= 5);
  const events = (await eventsOf(kc, NAME)).map((e) => e.reason);
  assert.ok(events.includes("Promoted"));
  await waitStatus(kc, NAME, "fleet on good2", (m) => m.status?.currentImage === IMAGE("good2"), 15_000);
  const stable = await readyPods(kc, NAME, "stable", 2, 120_000).then(async () => {
    for (let i = 0; i < 120; i++) {
      const pods = (await podsOf(kc, NAME)).filter((p) => !p.deleting);
      if (pods.length === 2 && pods.every((p) => p.role === "stable" && p.image === IMAGE("good2") && p.ready)) return pods;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`fleet did not roll to good2: ${JSON.stringify(await podsOf(kc, NAME))}`);
  });
  assert.equal(stable.length, 2);
  assert.deepEqual(await deploymentNames(kc, NAME), [NAME]);
  assert.equal(sumSamples(await operator.metricsText(), "mediafleet_rollbacks_total"), rollbacksBefore);
  await closeViewers(clients, [...base, ...fleetViewers]);
  fleetPods = stable.map((p) => p.name).sort();
});

test("a canary whose pprof answers 401, garbage or never: Inconclusive, ScrapeFailed, canary held, fleet untouched", { timeout: 360_000 }, async () => {
  const { kc, operator } = world();
  for (const [tag, reason] of [["pprof-401", "unauthorized"], ["pprof-garbage", "malformed"], ["pprof-stall", "timeout"]] as const) {
    await patchSpec({ image: IMAGE(tag) });
    const ms = await waitStatus(kc, NAME, `${tag} Inconclusive`, isPhase(IMAGE(tag), "Inconclusive"), (WINDOW_S + 90) * 1000);
    assert.equal(analysisOf(ms).reason, "InsufficientData", tag);
    assert.equal(ms.status.conditions.find((c: any) => c.type === "Degraded").reason, "InsufficientData");
    assert.ok(!(ms.status.rejectedImages ?? []).some((r: any) => r.image === IMAGE(tag)), `${tag}: missing data never rejects`);
    assert.equal(ms.status.lastGoodImage, IMAGE("good2"));
    const events = await eventsOf(kc, NAME);
    assert.ok(events.some((e) => e.reason === "ScrapeFailed" && e.message.includes(reason)), `${tag}: ${events.filter((e) => e.reason === "ScrapeFailed").map((e) => e.message).join("\n")}`);
    assert.ok(sumSamples(await operator.metricsText(), "mediafleet_scrape_errors_total", { reason }) >= 1, `${tag}: scrape_errors_total{reason=${reason}}`);
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000));
    assert.deepEqual(await deploymentNames(kc, NAME), [NAME, `${NAME}-baseline`, `${NAME}-canary`].sort(), `${tag}: held, not promoted, not removed`);
    assert.equal((await mediaServer(kc, NAME)).status.analysis.phase, "Inconclusive", `${tag}: stays held`);
    await fleetUntouched();
  }
});

test("a canary that leaks until it is OOM-killed, and one that crash-loops: Failed (not 'not enough data'), fleet untouched", { timeout: 240_000 }, async () => {
  const { kc } = world();
  const name = "limited";
  await kubectl(kc, ["apply", "-f", "-"], mediaServerYaml(name, IMAGE("good"), { replicas: 1, memoryLimit: "300Mi", rollback: { bakeTime: "4s", minSamples: 2, window: "60s" } }));
  await waitStatus(kc, name, "limited: good is last good", (m) => m.status?.lastGoodImage === IMAGE("good"), 90_000);
  await kubectl(kc, ["patch", "msrv", name, "--type=merge", "-p", JSON.stringify({ spec: { image: IMAGE("oom") } })]);
  const oom = await waitStatus(kc, name, "oom Failed", (m) => analysisOf(m)?.image === IMAGE("oom") && analysisOf(m)?.phase === "Failed", 90_000);
  assert.equal(analysisOf(oom).reason, "OOMKilled");
  assert.ok(oom.status.rejectedImages.some((r: any) => r.image === IMAGE("oom") && r.reason === "OOMKilled"));
  await kubectl(kc, ["patch", "msrv", name, "--type=merge", "-p", JSON.stringify({ spec: { image: IMAGE("crashloop") } })]);
  const crash = await waitStatus(kc, name, "crashloop Failed", (m) => analysisOf(m)?.image === IMAGE("crashloop") && analysisOf(m)?.phase === "Failed", 90_000);
  assert.match(analysisOf(crash).reason, /CanaryCrashed|ProgressDeadlineExceeded/);
  assert.equal(crash.status.currentImage, IMAGE("good"));
  await kubectl(kc, ["delete", "msrv", name, "--wait=false"]);
});

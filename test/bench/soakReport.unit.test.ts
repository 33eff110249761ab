import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSoakArgs, plotOf, reportText, SOAK_DEFAULTS, type SoakDocument } from "./soakReport.js";
import { summarizeSoak, type SoakSample } from "./soakSummary.js";

test("parseSoakArgs -> defaults: 30 minutes, 30 viewers, a restart every 3 minutes", () => {
  assert.deepEqual(parseSoakArgs([]), SOAK_DEFAULTS);
  assert.equal(SOAK_DEFAULTS.minutes, 30);
  const o = parseSoakArgs(["--minutes", "3", "--restart-every", "1", "--svg", "docs/soak.svg"]);
  assert.equal(o.minutes, 3);
  assert.equal(o.restartEveryMin, 1);
  assert.equal(o.svg, "docs/soak.svg");
});

test("parseSoakArgs -> an unknown flag, a missing value or one out of range is refused naming the flag", () => {
  assert.throws(() => parseSoakArgs(["--hours", "1"]), /unknown argument --hours \(known: --minutes/);
  assert.throws(() => parseSoakArgs(["--minutes"]), /--minutes needs a value/);
  assert.throws(() => parseSoakArgs(["--minutes", "0"]), /--minutes: a number in 1\.\.1440, got "0"/);
  assert.throws(() => parseSoakArgs(["--drop", "x"]), /--drop: a number in 0\.\.0\.5/);
});

const sample = (t: number, majorGcs: number, heapAfterGc: number): SoakSample => ({
  t, viewers: { live: 1 }, heapAfterGc, externalAfterGc: 0, heapAfterGcAgeS: 0, majorGcs, rss: 150e6, heapTotal: 60e6, newSpace: 16e6, spacesUsed: {}, loopP99Ms: 10, peerConnections: 1,
  sessionsStarted: 1, sessionsEnded: 1, endedBy: {}, loss: {}, nackRequests: 0, retransmitted: 0, nackMisses: 0, sourceRestarts: 0, cpuSeconds: 0, load1: 1,
});

test("plotOf + reportText -> heap dots per GC, the fitted line through the fit's centre, findings marked", () => {
  const samples = [sample(0, 0, 40e6), sample(60, 1, 30e6), sample(120, 2, 31e6)];
  const final = { ...sample(150, 3, 29e6), viewers: { live: 0 } };
  const doc = {
    startedAt: "2026-12-02T19:00:00.000Z",
    samples,
    final,
    restarts: [90],
    slope: { points: 2, kbPerMin: 1000, ci: [-1, 2001], olsCi: [-1, 2001], rho: 0, effectivePoints: 2, centre: { t: 90, bytes: 30.5e6 } },
    summary: summarizeSoak({ samples, final, viewers: [], restarts: [90], publisherPeerConnections: 1, cpus: 2 }),
    heapProfiles: [{ t: 60, sampledBytes: 20e6 }, { t: 90, sampledBytes: 21e6 }, { t: 120, sampledBytes: 22e6 }],
    growingSites: [{ site: "push media-node/fanout/x.js:10", bytesPerMin: 2000e3, r2: 0.99, lastBytes: 2e6 }],
    findings: [{ outcome: "Passed", what: "fine" }, { outcome: "Inconclusive", what: "unsure" }],
    outcome: "Inconclusive",
  } as unknown as SoakDocument;
  const plot = plotOf(doc);
  assert.deepEqual(plot.heap, [[60, 30], [120, 31]]);
  assert.deepEqual(plot.fit, [[60, 30], [120, 31]], "1000 KB/min through (90 s, 30.5 MB)");
  assert.deepEqual(plot.viewers.at(-1), [150, 0]);
  assert.equal(plot.endS, 150);
  const text = reportText(doc);
  assert.match(text, /^\| figure \| value \|/);
  assert.match(text, /fastest-growing allocation sites over 3 heap profiles \(60–120 s\):\n {3}2000\.0 KB\/min \(r² 0\.99, 2\.00 MB at the end\) {2}push media-node\/fanout\/x\.js:10\n/);
  assert.match(text, /ok {3}fine\n\?\? {3}unsure\n\nsoak INCONCLUSIVE$/);
});

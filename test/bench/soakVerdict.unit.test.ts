import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../e2e/support/lossyRelay.js";
import { exitCode, heapSlope, judgeLoad, judgeSessions, judgeSlope, lag1Autocorrelation, overall, PRACTICAL_FLOOR_KB_PER_MIN, type HeapPoint } from "./soakVerdict.js";

/** A reading every 30 s for 30 min: 30 MB, `kbPerMin` growth, ±noise MB uniform, 36 KB per viewer. */
function series(kbPerMin: number, noiseMb: number, seed = 1, viewers: (t: number) => number = () => 30): HeapPoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: 60 }, (_, i) => {
    const t = 30 * (i + 1);
    const v = viewers(t);
    return { t, viewers: v, bytes: 30e6 + (kbPerMin * 1000 * t) / 60 + 36_000 * v + (random() * 2 - 1) * noiseMb * 1e6 };
  });
}

test("heapSlope -> recovers the growth in KB/min, its interval contains the truth", () => {
  const slope = heapSlope(series(120, 0.5))!;
  assert.ok(Math.abs(slope.kbPerMin - 120) < 30, `${slope.kbPerMin}`);
  assert.ok(slope.ci[0] < 120 && slope.ci[1] > 120);
  assert.equal(slope.points, 60);
});

test("judgeSlope -> a flat noisy heap passes: its interval contains 0", () => {
  const finding = judgeSlope(heapSlope(series(0, 1)));
  assert.equal(finding.outcome, "Passed");
  assert.match(finding.what, /not distinguishable from zero/);
});

test("judgeSlope -> 200 KB/min of growth fails, naming slope, interval and floor", () => {
  const finding = judgeSlope(heapSlope(series(200, 1)));
  assert.equal(finding.outcome, "Failed");
  assert.match(finding.what, /KB\/min, 95 % CI \[.*\].*floor 50 KB\/min.*distinguishable/);
});

test("judgeSlope -> growth clearly above zero but under the floor passes, saying so", () => {
  const slope = heapSlope(series(20, 0.05))!;
  assert.ok(slope.ci[0] > 0);
  const finding = judgeSlope(slope);
  assert.equal(finding.outcome, "Passed");
  assert.match(finding.what, /above zero but below the floor/);
  assert.equal(judgeSlope(slope, 10).outcome, "Failed", "the floor is what separates the two");
  assert.equal(PRACTICAL_FLOOR_KB_PER_MIN, 50);
});

test("judgeSlope -> a shrinking heap is not a leak", () => {
  assert.equal(judgeSlope(heapSlope(series(-300, 0.2))).outcome, "Passed");
});

test("heapSlope -> viewers explain their own heap: a crowd growing over the run is not growth", () => {
  // ~1 more viewer a minute (36 KB/min of heap if read against time alone), joins and leaves on top.
  const slope = heapSlope(series(0, 0.2, 5, (t) => Math.round(t / 60) + (t % 60 === 0 ? 10 : 0)));
  assert.ok(slope);
  assert.equal(judgeSlope(slope).outcome, "Passed");
  assert.ok(Math.abs(slope.kbPerViewer! - 36) < 20, `${slope.kbPerViewer} KB/viewer`);
});

test("heapSlope -> too few readings: no slope, Inconclusive", () => {
  assert.equal(heapSlope(series(0, 1).slice(0, 7)), undefined);
  assert.equal(judgeSlope(undefined).outcome, "Inconclusive");
});

test("heapSlope -> autocorrelated residuals widen the interval beyond plain OLS", () => {
  // A slow wave on top of the line: neighbouring residuals alike.
  const points = series(0, 0.05).map((p, i) => ({ ...p, bytes: p.bytes + 1e6 * Math.sin(i / 6) }));
  const slope = heapSlope(points)!;
  assert.ok(slope.rho > 0.5, `rho ${slope.rho}`);
  assert.ok(slope.ci[1] - slope.ci[0] > 2 * (slope.olsCi[1] - slope.olsCi[0]));
  const independent = heapSlope(series(0, 1))!;
  assert.ok(independent.ci[1] - independent.ci[0] >= independent.olsCi[1] - independent.olsCi[0]);
});

test("lag1Autocorrelation -> ~1 for a smooth series, negative for an alternating one, 0 when it cannot say", () => {
  assert.ok(lag1Autocorrelation(Array.from({ length: 50 }, (_, i) => i)) > 0.9);
  assert.ok(lag1Autocorrelation([1, -1, 1, -1, 1, -1]) < -0.5);
  assert.equal(lag1Autocorrelation([1, 2]), 0);
  assert.equal(lag1Autocorrelation([3, 3, 3]), 0);
});

const clean = { started: 800, ended: 800, startedSeenByHarness: 800, viewersNow: 0, peerConnections: 1, publisherPeerConnections: 1 };

test("judgeSessions -> every session ended and peers back to the publisher's: passes", () => {
  const findings = judgeSessions(clean);
  assert.equal(overall(findings), "Passed");
  assert.match(findings[0]!.what, /800 started, 800 ended/);
});

test("judgeSessions -> a session that never ended, a viewer still counted, or a peer connection left: fails, naming it", () => {
  const leaked = judgeSessions({ ...clean, ended: 797, viewersNow: 3 });
  assert.equal(overall(leaked), "Failed");
  assert.ok(leaked.some((f) => /3 never ended/.test(f.what)));
  assert.ok(leaked.some((f) => /mediafleet_viewers is 3/.test(f.what)));
  const peers = judgeSessions({ ...clean, peerConnections: 4 });
  assert.equal(overall(peers), "Failed");
  assert.ok(peers.some((f) => /werift_peer_connections 4 .* publisher's count is 1/.test(f.what)));
});

test("judgeSessions -> the harness and the node disagree on sessions created: Inconclusive, not a pass", () => {
  assert.equal(overall(judgeSessions({ ...clean, startedSeenByHarness: 799 })), "Inconclusive");
});

test("overall and exitCode -> Failed wins over Inconclusive; 0 / 1 / 2", () => {
  assert.equal(overall([{ outcome: "Inconclusive", what: "" }, { outcome: "Failed", what: "" }]), "Failed");
  assert.equal(overall([{ outcome: "Passed", what: "" }, { outcome: "Inconclusive", what: "" }]), "Inconclusive");
  assert.deepEqual(["Passed", "Failed", "Inconclusive"].map((o) => exitCode(o as "Passed")), [0, 1, 2]);
});

test("judgeLoad -> too few viewers connected, or no restart seen at all: Inconclusive (the run was not what it claims)", () => {
  assert.equal(overall(judgeLoad({ planned: 100, connected: 95, restartsDone: 9, restartsSeen: 9 })), "Passed");
  const failedJoins = judgeLoad({ planned: 116, connected: 0, restartsDone: 2, restartsSeen: 2 });
  assert.equal(overall(failedJoins), "Inconclusive");
  assert.match(failedJoins[0]!.what, /0 of 116 planned connected/);
  assert.equal(overall(judgeLoad({ planned: 0, connected: 0, restartsDone: 0, restartsSeen: 0 })), "Inconclusive");
  assert.equal(overall(judgeLoad({ planned: 100, connected: 100, restartsDone: 9, restartsSeen: 0 })), "Inconclusive");
  assert.equal(overall(judgeLoad({ planned: 100, connected: 100, restartsDone: 9, restartsSeen: 8 })), "Passed", "one missed restart is reported, not judged");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { MetricsSnapshot, parsePrometheusText } from "../e2e/support/metrics.js";
import { renderSoakPlot } from "./soakPlot.js";
import { heapPoints, missedRestarts, progressLine, spaceGrowth, sampleOf, soakTable, summarizeSoak, type SoakSample, type ViewerRecord } from "./soakSummary.js";

const EXPOSITION = `
# HELP mediafleet_viewers WHEP viewers connected, per path
mediafleet_viewers{path="live"} 12
mediafleet_viewers{path="ingest"} 15
mediafleet_heap_after_gc_bytes 31000000
mediafleet_external_after_gc_bytes 4000000
mediafleet_heap_after_gc_age_seconds 2.5
mediafleet_major_gcs_total 3
process_resident_memory_bytes 150000000
nodejs_heap_size_total_bytes 62000000
nodejs_heap_space_size_total_bytes{space="new"} 33554432
nodejs_heap_space_size_total_bytes{space="old"} 20000000
nodejs_heap_space_size_used_bytes{space="old"} 18000000
nodejs_heap_space_size_used_bytes{space="code"} 3000000
nodejs_eventloop_lag_p99_seconds 0.0125
mediafleet_werift_peer_connections 2
mediafleet_http_requests_total{route="POST /{path}/whep",status="201"} 40
mediafleet_http_requests_total{route="POST /{path}/whep",status="503"} 2
mediafleet_http_requests_total{route="POST /{path}/whip",status="201"} 1
mediafleet_sessions_ended_total{kind="viewer",reason="deleted"} 10
mediafleet_sessions_ended_total{kind="viewer",reason="timeout"} 3
mediafleet_sessions_ended_total{kind="publisher",reason="deleted"} 1
mediafleet_viewer_fraction_lost{path="live",stat="mean"} 0.01
mediafleet_viewer_fraction_lost{path="live",stat="max"} 0.05
mediafleet_nack_requests_total 70
mediafleet_rtp_retransmitted_packets_total 65
mediafleet_source_restarts_total{path="ingest",kind="video"} 1
`;

test("sampleOf -> reads viewers per path, memory, sessions (route labels with braces), loss per path, loop p99 in ms", () => {
  const s = sampleOf(new MetricsSnapshot(parsePrometheusText(EXPOSITION)), 60, 1.5);
  assert.deepEqual(s.viewers, { live: 12, ingest: 15 });
  assert.equal(s.heapAfterGc, 31e6);
  assert.equal(s.majorGcs, 3);
  assert.equal(s.heapTotal, 62e6);
  assert.equal(s.newSpace, 33554432, "the new space only");
  assert.deepEqual(s.spacesUsed, { old: 18e6, code: 3e6 });
  assert.equal(s.loopP99Ms, 12.5);
  assert.equal(s.sessionsStarted, 40, "WHEP 201s only, not 503s nor WHIP");
  assert.equal(s.sessionsEnded, 13, "viewers only");
  assert.deepEqual(s.endedBy, { deleted: 10, timeout: 3 });
  assert.deepEqual(s.loss, { live: { mean: 0.01, max: 0.05 } }, "a path with no reporting viewer has no loss entry");
  assert.equal(s.peerConnections, 2);
  assert.equal(s.sourceRestarts, 1);
  assert.equal(s.load1, 1.5);
});

function sample(t: number, over: Partial<SoakSample> = {}): SoakSample {
  return {
    t, viewers: { live: 10, ingest: 10 }, heapAfterGc: 30e6, externalAfterGc: 0, heapAfterGcAgeS: 0, majorGcs: 0, rss: 140e6, heapTotal: 60e6, newSpace: 16e6, spacesUsed: {}, loopP99Ms: 10,
    peerConnections: 1, sessionsStarted: 0, sessionsEnded: 0, endedBy: {}, loss: {}, nackRequests: 0, retransmitted: 0, nackMisses: 0, sourceRestarts: 0, cpuSeconds: 0, load1: 2, ...over,
  };
}

test("heapPoints -> none before the first major GC, one per new GC, timed when the GC ran", () => {
  const points = heapPoints([
    sample(5, { heapAfterGc: 50e6 }),
    sample(10, { majorGcs: 1, heapAfterGc: 31e6, heapAfterGcAgeS: 2 }),
    sample(15, { majorGcs: 1, heapAfterGc: 31e6, heapAfterGcAgeS: 7 }),
    sample(20, { majorGcs: 3, heapAfterGc: 32e6, heapAfterGcAgeS: 1, viewers: { live: 5 } }),
  ]);
  assert.deepEqual(points, [{ t: 8, bytes: 31e6, viewers: 20 }, { t: 19, bytes: 32e6, viewers: 5 }]);
});

test("progressLine -> elapsed, viewers per path, sessions, heap after GC, RSS, worst loop p99 since the last line", () => {
  const line = progressLine([sample(95, { loopP99Ms: 40, cpuSeconds: 10 }), sample(125, { majorGcs: 4, heapAfterGc: 31.24e6, sessionsStarted: 50, sessionsEnded: 30, cpuSeconds: 22 })]);
  assert.equal(line, "02:05  viewers 20 (live 10, ingest 10)  sessions 50 started 30 ended  heap after GC 31.2 MB (4 major GCs)  RSS 140.0 MB  loop p99 40.0 ms  CPU 40 %  load 2.0");
  assert.match(progressLine([sample(3)]), /no major GC yet/);
});

const viewer = (over: Partial<ViewerRecord>): ViewerRecord => ({
  id: "v", path: "live", lossy: false, leave: "delete", joinAtS: 0, created: true, connected: true, connectMs: 100, received: 1000, expected: 1000, ...over,
});

test("summarizeSoak + soakTable -> RSS start/end, sessions, loss per path (node gauge and viewers' own counts), restarts", () => {
  const samples = [
    sample(0, { rss: 120e6 }),
    sample(30, { majorGcs: 1, rss: 150e6, loss: { live: { mean: 0.02, max: 0.06 } }, loopP99Ms: 30, sourceRestarts: 1, cpuSeconds: 9 }),
    sample(60, { majorGcs: 2, rss: 140e6, loss: { live: { mean: 0.04, max: 0.1 } }, viewers: { live: 12, ingest: 11 }, sourceRestarts: 1, cpuSeconds: 18 }),
  ];
  const final = sample(80, { viewers: { live: 0, ingest: 0 }, rss: 135e6, sessionsStarted: 4, sessionsEnded: 4, endedBy: { deleted: 3, timeout: 1 }, sourceRestarts: 2, nackRequests: 50, retransmitted: 45 });
  const viewers = [
    viewer({ id: "v1" }),
    viewer({ id: "v2", lossy: true, received: 990, expected: 1000, relay: { rtp: 1000, dropped: 50 } }),
    viewer({ id: "v3", path: "ingest", leave: "vanish", received: 500, expected: 500 }),
    viewer({ id: "v4", path: "ingest", connected: false, connectMs: 30000, received: 0, expected: 0 }),
  ];
  const summary = summarizeSoak({ samples, final, viewers, restarts: [20, 40], publisherPeerConnections: 1, cpus: 2 });
  assert.deepEqual(summary.rssMb, { start: 120, end: 135, max: 150 });
  assert.deepEqual(summary.rssParts.newSpace, { start: 16, end: 16 });
  assert.deepEqual(summary.heap.points, 2);
  assert.equal(summary.sessions.peakViewers, 23);
  assert.equal(summary.sessions.failed, 1);
  assert.equal(summary.sessions.vanished, 1);
  const live = summary.loss.find((l) => l.path === "live")!;
  assert.deepEqual(live, { path: "live", nodeMeanPercent: 3, nodeMaxPercent: 10, cleanResidualPercent: 0, lossyResidualPercent: 1, relayDropPercent: 5 });
  assert.ok(Number.isNaN(summary.loss.find((l) => l.path === "ingest")!.nodeMeanPercent), "no gauge sample: n/a, not 0");
  assert.deepEqual(summary.restarts, { done: 2, seenByNode: 2, missedAtS: [40] }, "the one at 40 s moved nothing by 60 s");
  assert.equal(summary.cpuPercent, 30);
  assert.equal(summary.majorGcsPerMin, 2);
  assert.deepEqual(summary.loopP99Ms, { median: 10, max: 30 });
  assert.deepEqual(summary.connectMs, { p50: 100, p95: 100 }, "connected viewers only");
  const table = soakTable(summary);
  assert.match(table, /^\| figure \| value \|/);
  assert.match(table, /\| RSS start → end \(max\) \| 120 → 135 MB \(150\) \|/);
  assert.match(table, /\| viewer sessions started \/ ended \| 4 \/ 4 /);
  assert.match(table, /\| loss on ingest \| fraction lost \(node gauge\) mean n\/a/);
  assert.match(table, /heap after GC, slope \(judged\) \| n\/a \(too few readings/);
  assert.match(table, /on 2 cores shared/);
});

test("renderSoakPlot -> three panels on one time axis, a dot per GC, the fit, a dashed line per restart in each panel", () => {
  const svg = renderSoakPlot({
    title: "soak <test>",
    heap: [[60, 30], [120, 30.5], [180, 30.2]],
    fit: [[60, 30.1], [180, 30.3]],
    rss: [[0, 120], [180, 140]],
    viewers: [[0, 0], [90, 30], [180, 28]],
    restartsS: [100],
    endS: 180,
  });
  assert.match(svg, /^<svg /);
  assert.match(svg, /soak &lt;test&gt;/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  assert.equal((svg.match(/stroke-dasharray="4 3"/g) ?? []).length, 3, "the restart in each of 3 panels");
  assert.equal((svg.match(/stroke-dasharray="6 3"/g) ?? []).length, 1, "one fitted line");
  for (const label of ["heap after GC, MB", "RSS, MB", "viewers", "minutes"]) assert.match(svg, new RegExp(label));
  // The heap panel is scaled to its data (30..30.5 MB), not from 0, so its drift shows.
  assert.doesNotMatch(svg.split("RSS, MB")[0]!, />0<\/text>/);
});

test("missedRestarts -> a restart after which the counter did not move within 20 s; one too close to the end is not judged", () => {
  const samples = [0, 10, 20, 30, 40, 50, 60].map((t) => sample(t, { sourceRestarts: t >= 20 ? 1 : 0 }));
  assert.deepEqual(missedRestarts(samples, [15, 30, 50]), [30]);
});

test("spaceGrowth -> per space, median used over the first and the last tenth, largest change first", () => {
  const samples = Array.from({ length: 20 }, (_, i) => sample(i * 5, { spacesUsed: { old: 20e6 + i * 0.1e6 + (i % 2) * 5e6, code: 3e6 } }));
  assert.deepEqual(spaceGrowth(samples), [
    { space: "old", startMb: 20, endMb: 21.8 },
    { space: "code", startMb: 3, endMb: 3 },
  ]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics, summarizeViewerLoss } from "./metrics.js";

const REQUIRED = [
  "mediafleet_viewers", "mediafleet_publishers", "mediafleet_rtp_packets_sent_total", "mediafleet_rtp_bytes_sent_total",
  "mediafleet_rtp_packets_received_total", "mediafleet_nack_requests_total", "mediafleet_rtp_retransmitted_packets_total",
  "mediafleet_nack_misses_total", "mediafleet_nack_history_bytes", "mediafleet_rtcp_sender_reports_total",
  "mediafleet_mdns_queries_total", "mediafleet_viewer_fraction_lost", "mediafleet_build_info",
];

test("every metric name DESIGN.md promises is exposed, with the value its source gave", async () => {
  const metrics = createMetrics({ version: "1", commit: "abc", image: "img:1" }, { defaultMetrics: false });
  // what the node's parts do: the hot path increments, the readers answer at scrape time
  metrics.setPathStatsReader(() => [{ path: "cam1", publishers: 1, viewers: 4 }]);
  metrics.setHistoryBytesReader(() => 65_536);
  metrics.rtpPacketsSent.inc(10);
  metrics.rtpBytesSent.inc(1200);
  metrics.rtpPacketsReceived.inc(11);
  metrics.nackRequests.inc(3);
  metrics.retransmittedPackets.inc(2);
  metrics.nackMisses.inc(1);
  metrics.rtcpSenderReports.inc(5);
  metrics.mdnsQueries.inc(2);
  const text = await metrics.registry.metrics();
  for (const name of REQUIRED) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  const samples = [
    'mediafleet_viewers{path="cam1"} 4', 'mediafleet_publishers{path="cam1"} 1', "mediafleet_nack_history_bytes 65536",
    "mediafleet_rtp_packets_sent_total 10", "mediafleet_rtp_bytes_sent_total 1200", "mediafleet_rtp_packets_received_total 11",
    "mediafleet_nack_requests_total 3", "mediafleet_rtp_retransmitted_packets_total 2", "mediafleet_nack_misses_total 1",
    "mediafleet_rtcp_sender_reports_total 5", "mediafleet_mdns_queries_total 2",
    'mediafleet_build_info{version="1",commit="abc",image="img:1"} 1',
  ];
  const lines = new Set(text.split("\n"));
  for (const sample of samples) assert.ok(lines.has(sample), `${sample} on /metrics`);
});

test("per-path gauges read live state at scrape time", async () => {
  const metrics = createMetrics({ version: "1", commit: "c", image: "i" }, { defaultMetrics: false });
  let viewers = 2;
  metrics.setPathStatsReader(() => [{ path: "cam1", publishers: 1, viewers }]);
  assert.match(await metrics.registry.metrics(), /mediafleet_viewers\{path="cam1"\} 2/);
  viewers = 5;
  assert.match(await metrics.registry.metrics(), /mediafleet_viewers\{path="cam1"\} 5/);
  metrics.setPathStatsReader(() => []);
  assert.doesNotMatch(await metrics.registry.metrics(), /mediafleet_viewers\{path="cam1"\}/);
});

test("summarizeViewerLoss -> mean and worst over the viewers that reported; none reported -> undefined", () => {
  assert.equal(summarizeViewerLoss([]), undefined);
  assert.equal(summarizeViewerLoss([undefined, undefined]), undefined, "no report is not zero loss");
  assert.deepEqual(summarizeViewerLoss([0, undefined, 0.25, 0.125]), { reporting: 3, mean: 0.125, max: 0.25 });
  assert.deepEqual(summarizeViewerLoss([0, 0]), { reporting: 2, mean: 0, max: 0 });
});

test("mediafleet_viewer_fraction_lost: per path mean and max read at scrape time, no per-viewer series", async () => {
  const metrics = createMetrics({ version: "1", commit: "c", image: "i" }, { defaultMetrics: false });
  const paths = new Map<string, Array<number | undefined>>([
    ["cam1", [0.5, 0, undefined]],
    ["cam2", [undefined]],
  ]);
  metrics.setViewerLossReader(() => [...paths].map(([path, viewers]) => ({ path, viewers })));
  const samples = async () => (await metrics.registry.metrics()).split("\n").filter((l) => l.startsWith("mediafleet_viewer_fraction_lost{"));
  assert.deepEqual(await samples(), [
    'mediafleet_viewer_fraction_lost{path="cam1",stat="mean"} 0.25',
    'mediafleet_viewer_fraction_lost{path="cam1",stat="max"} 0.5',
  ], "cam2 has no report yet: no sample, rather than a misleading 0");

  paths.set("cam1", [0]); // the lossy viewer left
  paths.set("cam2", [1 / 256]);
  assert.deepEqual(await samples(), [
    'mediafleet_viewer_fraction_lost{path="cam1",stat="mean"} 0',
    'mediafleet_viewer_fraction_lost{path="cam1",stat="max"} 0',
    'mediafleet_viewer_fraction_lost{path="cam2",stat="mean"} 0.00390625',
    'mediafleet_viewer_fraction_lost{path="cam2",stat="max"} 0.00390625',
  ]);

  paths.clear();
  assert.deepEqual(await samples(), [], "paths gone -> series gone");
});

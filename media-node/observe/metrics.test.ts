import { test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics } from "./metrics.js";

const REQUIRED = [
  "mediafleet_viewers", "mediafleet_publishers", "mediafleet_rtp_packets_sent_total", "mediafleet_rtp_bytes_sent_total",
  "mediafleet_rtp_packets_received_total", "mediafleet_nack_requests_total", "mediafleet_rtp_retransmitted_packets_total",
  "mediafleet_nack_misses_total", "mediafleet_nack_history_bytes", "mediafleet_rtcp_sender_reports_total",
  "mediafleet_mdns_queries_total", "mediafleet_viewer_fraction_lost", "mediafleet_build_info",
];

test("every metric name DESIGN.md promises is exposed", async () => {
  const metrics = createMetrics({ version: "1", commit: "abc", image: "img:1" }, { defaultMetrics: false });
  const text = await metrics.registry.metrics();
  for (const name of REQUIRED) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  assert.match(text, /mediafleet_build_info\{version="1",commit="abc",image="img:1"\} 1/);
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

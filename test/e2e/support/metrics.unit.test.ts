import test from "node:test";
import assert from "node:assert/strict";
import { MetricsSnapshot, parsePrometheusText } from "./metrics.js";

test("parsePrometheusText -> labelled samples, comments skipped, escapes undone", () => {
  const text = [
    "# HELP mediafleet_mdns_candidates_total remote .local candidates by outcome",
    "# TYPE mediafleet_mdns_candidates_total counter",
    'mediafleet_mdns_candidates_total{outcome="ignored"} 2',
    'mediafleet_mdns_candidates_total{outcome="resolved"} 3',
    "mediafleet_mdns_queries_total 1",
    'odd{a="x\\"y",b="1"} 4.5',
  ].join("\n");
  const snapshot = new MetricsSnapshot(parsePrometheusText(text));
  assert.deepEqual(snapshot.byLabel("mediafleet_mdns_candidates_total", "outcome"), { ignored: 2, resolved: 3 });
  assert.equal(snapshot.sum("mediafleet_mdns_candidates_total"), 5);
  assert.equal(snapshot.sum("mediafleet_mdns_queries_total"), 1);
  assert.equal(snapshot.sum("odd", { a: 'x"y' }), 4.5);
  assert.equal(snapshot.sum("missing"), 0);
  assert.equal(snapshot.has("mediafleet_mdns_queries_total"), true);
});

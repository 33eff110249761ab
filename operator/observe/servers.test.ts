import assert from "node:assert/strict";
import { test } from "node:test";
import { createOperatorMetrics } from "./metrics.js";
import { parseListenAddress, startHealthServer, startMetricsServer } from "./servers.js";

test("parseListenAddress: ':8080', '127.0.0.1:0', '[::1]:9' parse; 'localhost' and ':70000' -> RangeError", () => {
  assert.deepEqual(parseListenAddress(":8080"), { host: undefined, port: 8080 });
  assert.deepEqual(parseListenAddress("127.0.0.1:0"), { host: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListenAddress("[::1]:9"), { host: "::1", port: 9 });
  assert.throws(() => parseListenAddress("localhost"), RangeError);
  assert.throws(() => parseListenAddress(":70000"), RangeError);
});

test("GET /metrics -> the operator's counters in Prometheus text", async (t) => {
  const metrics = createOperatorMetrics({ defaultMetrics: false });
  metrics.reconcileTotal.inc({ result: "success" });
  metrics.kubeRequestsTotal.inc({ verb: "apply", resource: "deployments" });
  metrics.scrapeErrorsTotal.inc({ reason: "unauthorized" });
  const running = await startMetricsServer({ host: "127.0.0.1", port: 0 }, metrics.registry);
  t.after(() => running.close());
  const body = await (await fetch(`http://127.0.0.1:${running.address.port}/metrics`)).text();
  assert.match(body, /mediafleet_reconcile_total\{result="success"\} 1/);
  assert.match(body, /mediafleet_kube_requests_total\{verb="apply",resource="deployments"\} 1/);
  assert.match(body, /mediafleet_rollbacks_total 0/);
  assert.match(body, /mediafleet_scrape_errors_total\{reason="unauthorized"\} 1/);
  assert.match(body, /mediafleet_reconcile_duration_seconds_bucket/);
});

test("GET /readyz before the caches sync -> 503, after -> 200; /healthz -> 200", async (t) => {
  let ready = false;
  const running = await startHealthServer({ host: "127.0.0.1", port: 0 }, { healthy: () => true, ready: () => ready });
  t.after(() => running.close());
  const base = `http://127.0.0.1:${running.address.port}`;
  assert.equal((await fetch(`${base}/readyz`)).status, 503);
  ready = true;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
});

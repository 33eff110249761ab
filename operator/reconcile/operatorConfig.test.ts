import assert from "node:assert/strict";
import { test } from "node:test";
import { loadOperatorConfig } from "./operatorConfig.js";

test("no flags, no env -> production defaults (:8080, :8081, 15s/10s/2s lease, all namespaces, no election)", () => {
  const config = loadOperatorConfig([], {});
  assert.ok(config !== "help");
  assert.deepEqual(config.metricsAddress, { host: undefined, port: 8080 });
  assert.deepEqual(config.healthAddress, { host: undefined, port: 8081 });
  assert.deepEqual(config.leaseTimings, { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  assert.equal(config.leaderElect, false);
  assert.equal(config.watchNamespace, "");
  assert.equal(config.leaseNamespace, "default");
});

test("flags win over env; env fills the rest; POD_NAME is the identity", () => {
  const config = loadOperatorConfig(["--leader-elect", "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "1s", "--metrics-addr", "127.0.0.1:0"], {
    METRICS_ADDR: ":9000",
    POD_NAMESPACE: "ops",
    WATCH_NAMESPACE: "media",
    POD_NAME: "op-0",
  });
  assert.ok(config !== "help");
  assert.deepEqual(config.metricsAddress, { host: "127.0.0.1", port: 0 });
  assert.equal(config.leaderElect, true);
  assert.equal(config.leaseNamespace, "ops");
  assert.equal(config.watchNamespace, "media");
  assert.equal(config.identity, "op-0");
  assert.equal(config.leaseTimings.leaseDurationMs, 4000);
});

test("bad values -> errors naming the flag", () => {
  assert.throws(() => loadOperatorConfig(["--lease-duration", "soon"], {}), /--lease-duration/);
  assert.throws(() => loadOperatorConfig(["--workers", "0"], {}), /--workers/);
  assert.throws(() => loadOperatorConfig(["--health-addr", "nope"], {}), /--health-addr/);
  assert.throws(() => loadOperatorConfig(["--renew-deadline", "20s"], {}), /renew deadline/);
  assert.throws(() => loadOperatorConfig(["--frobnicate"], {}));
});

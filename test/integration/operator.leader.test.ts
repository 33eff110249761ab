/**
 * Two operators, one Lease: exactly one reconciles; kill -9 the leader and the other takes
 * over within the lease duration. Short timings (4 s lease / 3 s renew deadline / 1 s retry)
 * keep the test quick; production defaults are 15 s / 10 s / 2 s.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPlaneForFile, kubectl, kubectlJson, sampleMediaServer, startOperator, waitFor, waitReady, type OperatorProcess } from "./operatorSupport.js";

const LEASE_ARGS = ["--leader-elect", "--lease-namespace", "default", "--lease-name", "mediafleet-test", "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "1s"];
const LEASE_DURATION_MS = 4000;

const { cp, kc, operators } = controlPlaneForFile();

const leaseHolder = async () => (await kubectlJson(kc(), ["get", "lease", "mediafleet-test", "-n", "default"])).spec?.holderIdentity as string | undefined;
const reconciles = (operator: OperatorProcess) => operator.counter("mediafleet_reconcile_total");

test("two operators -> exactly one holds the Lease and reconciles; kill -9 of the leader -> the other takes over within the lease duration", async () => {
  const a = await startOperator({ kubeconfigPath: kc(), name: "a", args: LEASE_ARGS, env: { POD_NAME: "operator-a" } });
  operators.push(a);
  await a.waitForLog((line) => line.msg === "became leader; reconciling", 15_000);
  const b = await startOperator({ kubeconfigPath: kc(), name: "b", args: LEASE_ARGS, env: { POD_NAME: "operator-b" } });
  operators.push(b);
  await waitReady(a);
  await waitReady(b);
  assert.equal(await leaseHolder(), "operator-a");

  await kubectl(kc(), ["apply", "-f", "-"], sampleMediaServer("led", { replicas: 1 }));
  await waitFor("led reconciled", async () => (await kubectlJson(kc(), ["get", "msrv", "led"])).status?.observedGeneration === 1, 10_000);
  assert.ok((await reconciles(a)) > 0, "the leader reconciles");
  assert.equal(await reconciles(b), 0, "the standby does not");
  assert.equal(await b.counter("mediafleet_operator_leader"), 0);
  assert.equal(await a.counter("mediafleet_operator_leader"), 1);

  await a.stop("SIGKILL");
  const killedAt = Date.now();
  await b.waitForLog((line) => line.msg === "became leader; reconciling", LEASE_DURATION_MS + 3000);
  const failoverMs = Date.now() - killedAt;
  assert.ok(failoverMs <= LEASE_DURATION_MS + 2000, `took over after ${failoverMs} ms`);
  assert.equal(await leaseHolder(), "operator-b");
  process.stdout.write(`# failover after kill -9: ${failoverMs} ms (lease 4 s, retry 1 s)\n`);

  // The new leader reconciles changes.
  await kubectl(kc(), ["scale", "msrv/led", "--replicas=2"]);
  await waitFor("new leader applies the scale", async () => (await kubectlJson(kc(), ["get", "deployment", "led"])).spec.replicas === 2, 10_000);
  assert.ok((await reconciles(b)) > 0);
});

test("SIGTERM of the leader -> lease released, exit 0, a new candidate leads without waiting out the lease", async () => {
  const b = operators.find((o) => o.name === "b")!;
  const c = await startOperator({ kubeconfigPath: kc(), name: "c", args: LEASE_ARGS, env: { POD_NAME: "operator-c" } });
  operators.push(c);
  await waitReady(c);
  const stoppedAt = Date.now();
  const exit = await b.stop("SIGTERM");
  assert.deepEqual(exit, { code: 0, signal: null });
  await c.waitForLog((line) => line.msg === "became leader; reconciling", LEASE_DURATION_MS + 3000);
  const handoverMs = Date.now() - stoppedAt;
  process.stdout.write(`# handover after SIGTERM: ${handoverMs} ms\n`);
  assert.ok(handoverMs < LEASE_DURATION_MS, `released lease taken over in ${handoverMs} ms`);
  assert.equal(await leaseHolder(), "operator-c");
});

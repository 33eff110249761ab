/**
 * The operator survives its own restart and an API server outage: no duplicate objects,
 * status converges, and it recovers from the outage without being restarted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPlaneForFile, kubectl, kubectlJson, sampleMediaServer, startOperator, waitFor, waitReady } from "./operatorSupport.js";

const { cp, kc, operators } = controlPlaneForFile();

async function ownedNames(instance: string): Promise<string[]> {
  const out = await kubectl(kc(), ["get", "deployments,configmaps,services", "-l", `app.kubernetes.io/instance=${instance}`, "-o", "name"]);
  return out.trim().split("\n").filter(Boolean).sort();
}

async function converged(name: string): Promise<any> {
  const ms = await kubectlJson(kc(), ["get", "msrv", name]);
  const deployment = await kubectlJson(kc(), ["get", "deployment", name]).catch(() => undefined);
  if (!deployment || ms.status?.observedGeneration !== ms.metadata.generation) return undefined;
  if (deployment.spec.replicas !== ms.spec.replicas || ms.status.replicas !== (deployment.status?.replicas ?? 0)) return undefined;
  return ms;
}

test("operator killed mid-way and started again -> no duplicate objects, status converges", async () => {
  const first = await startOperator({ kubeconfigPath: kc(), name: "first" });
  operators.push(first);
  await waitReady(first);
  const names = ["r1", "r2", "r3", "r4", "r5"];
  await kubectl(kc(), ["apply", "-f", "-"], names.map((n) => sampleMediaServer(n, { replicas: 1 })).join("---\n"));
  // Kill it while it is working through the five.
  await first.waitForLog((line) => line.msg === "status updated", 10_000);
  await first.stop("SIGKILL");
  await kubectl(kc(), ["patch", "msrv", "r1", "--type=merge", "-p", '{"spec":{"replicas":2}}']);

  const second = await startOperator({ kubeconfigPath: kc(), name: "second" });
  operators.push(second);
  await waitReady(second);
  for (const name of names) {
    const ms = await waitFor(`${name} converged`, () => converged(name), 15_000);
    const owned = await ownedNames(name);
    assert.equal(owned.filter((o) => /^configmap\/.+-config-[0-9a-f]{10}$/.test(o)).length, 1, `one config ConfigMap: ${owned.join(", ")}`);
    assert.deepEqual(owned.filter((o) => !o.startsWith("configmap/")), [`deployment.apps/${name}`, `service/${name}`, `service/${name}-metrics`].sort());
    if (name === "r1") assert.equal(ms.spec.replicas, 2);
  }
  const deployments = await kubectlJson(kc(), ["get", "deployments"]);
  assert.equal(deployments.items.length, names.length, "one Deployment per MediaServer");
});

test("API server stopped and started again -> the operator recovers without a restart", async () => {
  const operator = operators.at(-1)!;
  assert.ok(operator.alive);
  await cp().stopApiServer();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await cp().startApiServer();
  await kubectl(kc(), ["patch", "msrv", "r2", "--type=merge", "-p", '{"spec":{"replicas":3}}']);
  await kubectl(kc(), ["apply", "-f", "-"], sampleMediaServer("after-outage", { replicas: 1 }));
  await waitFor("r2 scaled after the outage", async () => (await kubectlJson(kc(), ["get", "deployment", "r2"])).spec.replicas === 3, 30_000, 250);
  await waitFor("after-outage created", () => converged("after-outage"), 30_000, 250);
  assert.ok(operator.alive, "same process, no restart");
  assert.ok(operator.logs.some((l) => l.msg === "list/watch failed; retrying"), "it noticed the outage");
  assert.equal((await fetch(`${operator.healthUrl}/readyz`)).status, 200);
});

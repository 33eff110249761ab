/**
 * The operator against a real kube-apiserver + kube-controller-manager: apply, patch, scale,
 * delete a MediaServer with kubectl and check what the operator made of it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ControlPlane } from "../cluster/controlPlane.js";
import { controlPlaneWithCrd, kubectl, kubectlJson, sampleMediaServer, startOperator, waitFor, waitReady, type OperatorProcess } from "./operatorSupport.js";

let cp: ControlPlane;
let operator: OperatorProcess;
const kc = () => cp.kubeconfigPath;

before(async () => {
  cp = await controlPlaneWithCrd();
  operator = await startOperator({ kubeconfigPath: cp.kubeconfigPath });
  await waitReady(operator);
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
});

test("kubectl apply a MediaServer -> ConfigMap, Deployment and both Services exist with the right spec within 2 s", async () => {
  const appliedAt = Date.now();
  await kubectl(kc(), ["apply", "-f", "-"], sampleMediaServer("alpha"));
  const ms = await kubectlJson(kc(), ["get", "msrv", "alpha"]);
  const deployment = await waitFor("Deployment alpha", () => kubectlJson(kc(), ["get", "deployment", "alpha", "--show-managed-fields"]).catch(() => undefined), 2000, 50);
  const configMap = await waitFor("ConfigMap alpha-config-<hash>", async () => {
    const list = await kubectlJson(kc(), ["get", "configmaps", "-l", "app.kubernetes.io/instance=alpha,mediafleet.io/config-hash", "--show-managed-fields"]);
    return list.items[0];
  }, 2000, 50);
  const services = await waitFor("two Services", async () => {
    const list = await kubectlJson(kc(), ["get", "services", "-l", "app.kubernetes.io/instance=alpha", "--show-managed-fields"]);
    return list.items.length === 2 ? list.items : undefined;
  }, 2000, 50);
  const elapsed = Date.now() - appliedAt;
  assert.ok(elapsed < 2000 + 1000, `objects took ${elapsed} ms (kubectl calls included)`);

  for (const object of [deployment, configMap, ...services]) {
    const owner = object.metadata.ownerReferences?.[0];
    assert.equal(owner?.kind, "MediaServer", `${object.kind} ${object.metadata.name} is owned by the MediaServer`);
    assert.equal(owner?.uid, ms.metadata.uid);
    assert.equal(owner?.controller, true);
    assert.equal(object.metadata.labels["app.kubernetes.io/managed-by"], "mediafleet-operator");
    assert.ok(object.metadata.managedFields.some((f: { manager: string }) => f.manager === "mediafleet-operator"), "applied by our field manager");
  }
  assert.equal(deployment.spec.replicas, 2);
  const container = deployment.spec.template.spec.containers[0];
  assert.equal(container.image, "ghcr.io/mediafleet/media-node:0.1.0");
  assert.ok(deployment.spec.template.metadata.annotations["mediafleet.io/config-hash"], "pod template carries the config hash");
  assert.match(configMap.data["media-node.yaml"] ?? Object.values(configMap.data)[0], /mode: shared/);
  const ports = services.flatMap((s: { spec: { ports: Array<{ protocol: string; port: number }> } }) => s.spec.ports.map((p) => `${p.protocol}/${p.port}`));
  assert.ok(ports.includes("UDP/8118"), `ICE UDP port on a Service: ${ports.join(", ")}`);
});

test("status -> observedGeneration, selector, replicas and the three conditions with observedGeneration; printer columns shown", async () => {
  const ms = await waitFor("status of alpha", async () => {
    const current = await kubectlJson(kc(), ["get", "msrv", "alpha"]);
    return current.status?.observedGeneration === current.metadata.generation && current.status?.conditions?.length === 3 ? current : undefined;
  }, 5000);
  assert.equal(ms.status.selector, "app.kubernetes.io/instance=alpha,app.kubernetes.io/name=media-node");
  assert.equal(ms.status.currentImage, "ghcr.io/mediafleet/media-node:0.1.0");
  const byType = Object.fromEntries(ms.status.conditions.map((c: { type: string }) => [c.type, c]));
  assert.deepEqual(Object.keys(byType).sort(), ["Available", "Degraded", "Progressing"]);
  for (const condition of Object.values(byType) as Array<{ observedGeneration: number; lastTransitionTime: string }>) {
    assert.equal(condition.observedGeneration, ms.metadata.generation);
    assert.ok(!Number.isNaN(Date.parse(condition.lastTransitionTime)));
  }
  assert.equal(byType.Degraded.status, "False");
  // No kubelet in this test: pods are never ready, so the rollout stays in progress.
  assert.equal(byType.Available.status, "False");
  assert.equal(byType.Available.reason, "ReplicasUnavailable");
  assert.equal(byType.Progressing.status, "True");
  const table = await kubectl(kc(), ["get", "msrv", "alpha"]);
  const [header, row] = table.trim().split("\n");
  assert.match(header!, /NAME\s+IMAGE\s+READY\s+STATUS\s+LAST GOOD\s+AGE/);
  assert.match(row!, /^alpha\s+ghcr\.io\/mediafleet\/media-node:0\.1\.0\s+0\s+ReplicasUnavailable\s/);
  const events = await kubectlJson(kc(), ["get", "events", "--field-selector", "involvedObject.name=alpha,reason=Created"]);
  assert.equal(events.items.length, 1, "one Created event for the first apply");
});

test("kubectl patch webrtc.nack.mode -> ConfigMap and pod-template config hash change; another manager's Deployment label survives", async () => {
  const before = await kubectlJson(kc(), ["get", "deployment", "alpha"]);
  const hashBefore = before.spec.template.metadata.annotations["mediafleet.io/config-hash"];
  // Another field manager owns a label and an annotation on our Deployment.
  await kubectl(kc(), ["apply", "--server-side", "--field-manager=other", "-f", "-"], `apiVersion: apps/v1
kind: Deployment
metadata:
  name: alpha
  namespace: default
  labels: { team.example.com/owner: media }
  annotations: { team.example.com/runbook: "https://example.com/runbook" }
`);
  await kubectl(kc(), ["patch", "msrv", "alpha", "--type=merge", "-p", JSON.stringify({ spec: { webrtc: { nack: { mode: "perViewer" } } } })]);
  const configMap = await waitFor("ConfigMap with perViewer", async () => {
    const list = await kubectlJson(kc(), ["get", "configmaps", "-l", "app.kubernetes.io/instance=alpha,mediafleet.io/config-hash"]);
    return list.items.find((cm: { data: Record<string, string> }) => /mode: perViewer/.test(Object.values(cm.data).join("\n")));
  }, 5000);
  assert.ok(configMap);
  const after = await waitFor("new config hash", async () => {
    const d = await kubectlJson(kc(), ["get", "deployment", "alpha"]);
    return d.spec.template.metadata.annotations["mediafleet.io/config-hash"] !== hashBefore ? d : undefined;
  }, 5000);
  assert.equal(after.metadata.labels["team.example.com/owner"], "media");
  assert.equal(after.metadata.annotations["team.example.com/runbook"], "https://example.com/runbook");
  const ms = await waitFor("observedGeneration 2", async () => {
    const current = await kubectlJson(kc(), ["get", "msrv", "alpha"]);
    return current.status?.observedGeneration === current.metadata.generation ? current : undefined;
  }, 5000);
  assert.equal(ms.metadata.generation, 2);
  const updated = await kubectlJson(kc(), ["get", "events", "--field-selector", "involvedObject.name=alpha,reason=Updated"]);
  assert.ok(updated.items.length >= 1, "an Updated event");
});

test("kubectl scale msrv --replicas=3 -> through the scale subresource to the Deployment and status.replicas", async () => {
  await kubectl(kc(), ["scale", "msrv/alpha", "--replicas=3"]);
  const deployment = await waitFor("Deployment replicas 3 and its pods counted", async () => {
    const d = await kubectlJson(kc(), ["get", "deployment", "alpha"]);
    return d.spec.replicas === 3 && d.status?.observedGeneration === d.metadata.generation && (d.status?.replicas ?? 0) >= 3 ? d : undefined;
  }, 10_000);
  // status.replicas follows the Deployment's (pods never get ready here, so a stalled rollout may count a surge pod).
  const ms = await waitFor("status.replicas following the Deployment", async () => {
    const current = await kubectlJson(kc(), ["get", "msrv", "alpha"]);
    const d = await kubectlJson(kc(), ["get", "deployment", "alpha"]);
    return current.status?.replicas === d.status.replicas && current.status?.observedGeneration === current.metadata.generation ? current : undefined;
  }, 10_000);
  assert.equal(ms.spec.replicas, 3);
  assert.ok(ms.status.replicas >= 3, `status.replicas ${ms.status.replicas}`);
  assert.ok(deployment);
  const scale = JSON.parse(await kubectl(kc(), ["get", "--raw", "/apis/mediafleet.io/v1alpha1/namespaces/default/mediaservers/alpha/scale"]));
  assert.equal(scale.spec.replicas, 3);
  assert.equal(scale.status.replicas, ms.status.replicas);
  assert.equal(scale.status.selector, "app.kubernetes.io/instance=alpha,app.kubernetes.io/name=media-node");
});

test("operator at rest -> no API writes while nothing changes", async () => {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let the controller-manager's status writes settle
  const writes = async () => {
    const text = await operator.metricsText();
    let total = 0;
    for (const verb of ["apply", "patch", "create", "update"]) {
      total += Number([...text.matchAll(new RegExp(`^mediafleet_kube_requests_total\\{verb="${verb}",resource="(?!leases)[^"]*"\\} (\\S+)`, "gm"))].reduce((s, m) => s + Number(m[1]), 0));
    }
    return total;
  };
  const first = await writes();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(await writes(), first, "no applies, status patches or events at rest");
});

test("delete the MediaServer -> owned objects garbage-collected by kube-controller-manager", async () => {
  await kubectl(kc(), ["delete", "msrv", "alpha", "--wait=true"]);
  // The garbage collector learns about a new CRD through discovery, which it re-reads every
  // 30 s; until then it cannot resolve the owner reference, hence the long bound.
  await waitFor("owned objects gone", async () => {
    const left = await kubectl(kc(), ["get", "deployments,configmaps,services", "-l", "app.kubernetes.io/instance=alpha", "-o", "name"]);
    return left.trim() === "" ? true : undefined;
  }, 90_000, 250);
  assert.ok(operator.alive, "the operator is still running");
  assert.ok(!operator.logs.some((l) => l.level >= 50), `no error logs: ${JSON.stringify(operator.logs.filter((l) => l.level >= 50).slice(0, 3))}`);
});

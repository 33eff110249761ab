import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleMediaServer } from "../api/sample.js";
import type { MediaServer } from "../api/types.js";
import { desiredObjects, type NetworkPolicy } from "./index.js";

function withSpec(patch: (spec: Record<string, any>) => void): MediaServer {
  const ms = sampleMediaServer();
  patch(ms.spec as unknown as Record<string, any>);
  return ms;
}

const ports = (rule: { ports: Array<{ protocol: string; port: number }> }) => rule.ports.map((p) => `${p.protocol}/${p.port}`);
const namespacesOf = (rule: NetworkPolicy["spec"]["ingress"][number]) => (rule.from ?? []).map((peer) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]);
/** Every port some rule without `from` (= every source) opens. */
const openToAll = (policy: NetworkPolicy) => policy.spec.ingress.filter((r) => r.from === undefined).flatMap(ports);

test("NetworkPolicy <name>: owned by the MediaServer, our labels, selects every pod of it (fleet, canary, baseline), ingress only", () => {
  const ms = sampleMediaServer();
  const d = desiredObjects(ms, { operatorNamespace: "mediafleet-system" });
  const policy = d.networkPolicy;
  assert.equal(policy.apiVersion, "networking.k8s.io/v1");
  assert.equal(policy.kind, "NetworkPolicy");
  assert.equal(policy.metadata.name, "sample");
  assert.equal(policy.metadata.namespace, "default");
  assert.deepEqual(policy.metadata.ownerReferences, [
    { apiVersion: "mediafleet.io/v1alpha1", kind: "MediaServer", name: "sample", uid: ms.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  assert.equal(policy.metadata.labels!["app.kubernetes.io/managed-by"], "mediafleet-operator");
  assert.deepEqual(policy.spec.podSelector, { matchLabels: d.deployment.spec!.selector.matchLabels });
  assert.deepEqual(policy.spec.policyTypes, ["Ingress"], "egress is not restricted");
});

test("WHIP/WHEP TCP 8117, the ICE port and RTP ingest ports open to every source; metrics and pprof only from the operator's namespace", () => {
  const policy = desiredObjects(sampleMediaServer(), { operatorNamespace: "mediafleet-system" }).networkPolicy;
  assert.equal(policy.spec.ingress.length, 2);
  const [media, observe] = policy.spec.ingress;
  assert.equal(media!.from, undefined, "viewers and publishers are anywhere");
  // The sample: ICE on 8118, cam2 ingests RTP on 5004.
  assert.deepEqual(ports(media!), ["TCP/8117", "UDP/5004", "UDP/8118"]);
  assert.deepEqual(ports(observe!), ["TCP/9998", "TCP/9999"]);
  assert.deepEqual(namespacesOf(observe!), ["mediafleet-system"]);
  assert.deepEqual(Object.keys(observe!.from![0]!), ["namespaceSelector"], "whole namespaces, no podSelector beside it");
});

test("spec.observability.allowedNamespaces -> admitted to metrics and pprof beside the operator's, sorted, each once; profiling.port followed", () => {
  const ms = withSpec((s) => {
    s.observability = { allowedNamespaces: ["monitoring", "mediafleet-system", "apm"] };
    s.profiling = { port: 7070 };
  });
  const policy = desiredObjects(ms, { operatorNamespace: "mediafleet-system" }).networkPolicy;
  const observe = policy.spec.ingress[1]!;
  assert.deepEqual(namespacesOf(observe), ["apm", "mediafleet-system", "monitoring"]);
  assert.deepEqual(ports(observe), ["TCP/9998", "TCP/7070"]);
  assert.ok(!openToAll(policy).includes("TCP/7070") && !openToAll(policy).includes("TCP/9998"));
});

test("operator namespace unknown and none allowed -> no rule for metrics and pprof at all (a rule without `from` would admit everyone)", () => {
  const policy = desiredObjects(sampleMediaServer()).networkPolicy;
  assert.equal(policy.spec.ingress.length, 1);
  assert.deepEqual(openToAll(policy), ["TCP/8117", "UDP/5004", "UDP/8118"]);
  const onlyAllowed = desiredObjects(withSpec((s) => (s.observability = { allowedNamespaces: ["monitoring"] }))).networkPolicy;
  assert.deepEqual(namespacesOf(onlyAllowed.spec.ingress[1]!), ["monitoring"]);
});

test("a canary whose config moves the ICE and RTP ports -> the policy opens the ports of every revision running", () => {
  const ms = sampleMediaServer();
  const d = desiredObjects(ms, {
    operatorNamespace: "ops",
    layout: {
      stable: { image: "ghcr.io/mediafleet/media-node:0.1.0" },
      canary: {
        image: "ghcr.io/mediafleet/media-node:0.2.0",
        config: { webrtc: { ...desiredObjects(ms).spec.webrtc, udpPort: 8200 }, paths: [{ name: "cam3", waitForPublisher: false, source: { rtp: { host: "0.0.0.0", port: 6000, codec: "VP8", payloadType: 96, clockRate: 90000 } } }] },
      },
      baseline: { image: "ghcr.io/mediafleet/media-node:0.1.0" },
      analysisId: "a1",
    },
  });
  assert.deepEqual(openToAll(d.networkPolicy), ["TCP/8117", "UDP/5004", "UDP/6000", "UDP/8118", "UDP/8200"]);
});

test("allowedNamespaces is not part of a revision: changing it leaves the config hash (no analysis, no pod restart)", () => {
  const before = desiredObjects(sampleMediaServer(), { operatorNamespace: "ops" });
  const after = desiredObjects(withSpec((s) => (s.observability = { allowedNamespaces: ["monitoring"] })), { operatorNamespace: "ops" });
  assert.equal(after.configHash, before.configHash);
  assert.deepEqual(after.deployment, before.deployment);
  assert.notDeepEqual(after.networkPolicy, before.networkPolicy);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonEqual } from "../../common/canonicalJson.js";
import type { Condition } from "../api/types.js";
import { containsDesired, contentHash, ApplyMemory } from "./applyMemory.js";
import { isTransition, setCondition } from "./conditions.js";
import { availableCondition, computeStatus, progressingCondition, type DeploymentObservation } from "./status.js";

const settled: DeploymentObservation = {
  metadata: { generation: 3 },
  spec: { replicas: 2 },
  status: { observedGeneration: 3, replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [{ type: "Available", status: "True" }] },
};

test("setCondition: same status -> lastTransitionTime kept; status flips -> moved; observedGeneration always current", () => {
  const first = setCondition(undefined, { type: "Available", status: "False", reason: "ReplicasUnavailable", message: "0/2" }, 1, "t1");
  const sameStatus = setCondition(first, { type: "Available", status: "False", reason: "ReplicasUnavailable", message: "1/2" }, 2, "t2");
  assert.equal(sameStatus[0]!.lastTransitionTime, "t1");
  assert.equal(sameStatus[0]!.observedGeneration, 2);
  assert.equal(sameStatus[0]!.message, "1/2");
  const flipped = setCondition(sameStatus, { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "2/2" }, 2, "t3");
  assert.equal(flipped[0]!.lastTransitionTime, "t3");
  assert.equal(flipped.length, 1);
});

test("isTransition: a new reason or status is a transition, the same condition again is not", () => {
  const a: Condition[] = [{ type: "Degraded", status: "False", reason: "AsExpected", message: "", lastTransitionTime: "t" }];
  const b: Condition[] = [{ type: "Degraded", status: "True", reason: "InvalidSpec", message: "spec.replicas: bad", lastTransitionTime: "t" }];
  assert.equal(isTransition(a, b, "Degraded"), true);
  assert.equal(isTransition(b, b, "Degraded"), false);
  assert.equal(isTransition(undefined, b, "Degraded"), true);
});

test("availableCondition: Deployment Available -> True; missing -> False; zero replicas -> ScaledToZero", () => {
  assert.deepEqual(availableCondition(settled, 2), { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "2/2 replicas ready" });
  assert.equal(availableCondition(undefined, 2).status, "False");
  assert.equal(availableCondition(undefined, 0).reason, "ScaledToZero");
});

test("progressingCondition: new generation not yet observed -> RolloutInProgress; settled -> False/RolloutComplete", () => {
  assert.equal(progressingCondition({ ...settled, metadata: { generation: 4 } }, 2).reason, "RolloutInProgress");
  assert.equal(progressingCondition({ ...settled, status: { ...settled.status, replicas: 3 } }, 2).status, "True", "an old pod still around");
  assert.deepEqual(progressingCondition(settled, 2), { type: "Progressing", status: "False", reason: "RolloutComplete", message: "2/2 updated, 2 available" });
  assert.equal(progressingCondition(undefined, 2).reason, "Reconciling");
});

test("computeStatus: applied and settled -> replicas, selector, image, three conditions; analysis fields pass through", () => {
  const status = computeStatus({
    current: { lastGoodImage: "img:1" },
    generation: 3,
    observation: { kind: "applied", image: "img:2", deployment: settled, desiredReplicas: 2 },
    selector: "app=x",
    nowIso: "2025-01-01T00:00:00Z",
  });
  assert.equal(status.observedGeneration, 3);
  assert.equal(status.replicas, 2);
  assert.equal(status.readyReplicas, 2);
  assert.equal(status.currentImage, "img:2");
  assert.equal(status.lastGoodImage, "img:1");
  assert.deepEqual(status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`), ["Available=True/MinimumReplicasAvailable", "Progressing=False/RolloutComplete", "Degraded=False/AsExpected"]);
});

test("computeStatus twice with the same inputs -> equal (nothing to write, no hot loop)", () => {
  const input = { generation: 3, observation: { kind: "applied" as const, image: "img", deployment: settled, desiredReplicas: 2 }, selector: "s" };
  const once = computeStatus({ ...input, current: undefined, nowIso: "t1" });
  const twice = computeStatus({ ...input, current: once, nowIso: "t2" });
  assert.ok(jsonEqual(once, twice));
});

test("computeStatus: invalid spec -> Degraded/InvalidSpec with the message, currentImage kept; a policy override wins", () => {
  const invalid = computeStatus({
    current: { currentImage: "img:1" },
    generation: 5,
    observation: { kind: "invalid", message: "spec.webrtc.nack.mode: must be equal to one of the allowed values" },
    selector: "s",
    nowIso: "t",
  });
  const degraded = invalid.conditions?.find((c) => c.type === "Degraded");
  assert.equal(degraded?.reason, "InvalidSpec");
  assert.match(degraded?.message ?? "", /spec\.webrtc\.nack\.mode/);
  assert.equal(invalid.currentImage, "img:1");
  const overridden = computeStatus({
    current: undefined,
    generation: 1,
    observation: { kind: "applied", image: "img:1", deployment: settled, desiredReplicas: 2 },
    selector: "s",
    nowIso: "t",
    overrides: [{ type: "Degraded", status: "True", reason: "RolledBack", message: "heap +40%" }],
  });
  assert.equal(overridden.conditions?.find((c) => c.type === "Degraded")?.reason, "RolledBack");
});

test("containsDesired: our fields present with our values -> true; changed value, missing field or extra list item -> false", () => {
  const desired = { spec: { replicas: 2, ports: [{ port: 80, protocol: "TCP" }] } };
  const live = { metadata: { resourceVersion: "9" }, spec: { replicas: 2, ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], strategy: {} }, status: {} };
  assert.equal(containsDesired(desired, live), true);
  assert.equal(containsDesired(desired, { spec: { ...live.spec, replicas: 3 } }), false);
  assert.equal(containsDesired(desired, { spec: { replicas: 2 } }), false);
  assert.equal(containsDesired(desired, { spec: { ...live.spec, ports: [...live.spec.ports, { port: 81 }] } }), false);
  assert.equal(containsDesired({ a: 1 }, { a: "1" }), true);
});

test("ApplyMemory: unknown object -> apply; same desired and untouched live -> skip; changed desired or edited live -> apply", () => {
  const memory = new ApplyMemory();
  const desired = { kind: "ConfigMap", data: { a: "1" } };
  assert.equal(memory.needsApply("k|ConfigMap/x", desired, { metadata: { resourceVersion: "1" } }), true);
  memory.remember("k|ConfigMap/x", desired, "1");
  assert.equal(memory.needsApply("k|ConfigMap/x", desired, { metadata: { resourceVersion: "1" } }), false);
  assert.equal(memory.needsApply("k|ConfigMap/x", desired, { metadata: { resourceVersion: "2" }, kind: "ConfigMap", data: { a: "1", b: "2" } } as object), false, "someone else's extra key");
  assert.equal(memory.needsApply("k|ConfigMap/x", desired, { metadata: { resourceVersion: "3" }, kind: "ConfigMap", data: { a: "0" } } as object), true, "our value changed by someone");
  assert.equal(memory.needsApply("k|ConfigMap/x", { ...desired, data: { a: "2" } }, { metadata: { resourceVersion: "1" } }), true);
  assert.equal(memory.needsApply("k|ConfigMap/x", desired, undefined), true, "deleted behind our back");
  memory.forgetPrefix("k|");
  assert.equal(memory.size, 0);
  assert.equal(contentHash({ b: 1, a: 2 }), contentHash({ a: 2, b: 1 }), "key order does not matter");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { sampleMediaServer } from "../api/sample.js";
import type { MediaServer } from "../api/types.js";
import type { ApplyOptions, EventInput } from "../kube/client.js";
import { KubeApiError } from "../kube/errors.js";
import { keyOf, type KubeObject } from "../kube/objects.js";
import type { Layout } from "../desired/index.js";
import type { ImagePolicy } from "./imagePolicy.js";
import { MediaServerReconciler, type OwnedKind, type ReconcilerKube } from "./reconciler.js";

/** An API server stand-in: applies land in a store that doubles as the informer cache. */
class FakeWorld implements ReconcilerKube {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  readonly events: EventInput[] = [];
  private version = 100;
  ms: MediaServer | undefined;

  async apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T> {
    this.calls.push(`apply ${object.kind}/${object.metadata.name}${options.force ? " force" : ""}`);
    const stored = { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(++this.version) } };
    this.objects.set(`${object.kind}/${keyOf(object)}`, stored);
    return structuredClone(stored) as T;
  }

  async patchStatus<T extends KubeObject>(_resource: unknown, _namespace: string, _name: string, status: unknown, resourceVersion?: string): Promise<T> {
    this.calls.push("patch status");
    if (resourceVersion !== this.ms?.metadata.resourceVersion) throw new KubeApiError(409, "Conflict", "stale", "patch", "/status");
    this.ms = { ...this.ms!, status: applyMergePatch(this.ms?.status, structuredClone(status)) as MediaServer["status"], metadata: { ...this.ms!.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.ms) as unknown as T;
  }

  async delete(resource: { kind: string }, namespace: string, name: string): Promise<unknown> {
    this.calls.push(`delete ${resource.kind}/${name}`);
    this.objects.delete(`${resource.kind}/${namespace}/${name}`);
    return {};
  }

  async patchMetadata<T extends KubeObject>(_resource: unknown, _namespace: string, _name: string, metadata: Record<string, unknown>): Promise<T> {
    this.calls.push(`patch metadata ${JSON.stringify(metadata)}`);
    return {} as T;
  }

  async createEvent(input: EventInput): Promise<unknown> {
    this.calls.push(`event ${input.reason}`);
    this.events.push(input);
    return {};
  }

  cache = {
    mediaServer: (namespace: string, name: string) => (this.ms && this.ms.metadata.namespace === namespace && this.ms.metadata.name === name ? structuredClone(this.ms) : undefined),
    owned: (kind: OwnedKind, namespace: string, name: string) => this.objects.get(`${kind}/${namespace}/${name}`),
    ownedList: (kind: OwnedKind, namespace: string) => [...this.objects.entries()].filter(([k]) => k.startsWith(`${kind}/${namespace}/`)).map(([, o]) => o),
    pods: (): KubeObject[] => [],
  };
}

const logger = pino({ level: "silent" });

/** RFC 7386, as the API server applies a merge patch. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

function world(mutate?: (ms: MediaServer) => void): FakeWorld {
  const w = new FakeWorld();
  const ms = sampleMediaServer();
  ms.metadata = { ...ms.metadata, namespace: "media", uid: "uid-1", generation: 1, resourceVersion: "1" };
  mutate?.(ms);
  w.ms = ms;
  return w;
}

function reconcilerFor(w: FakeWorld, imagePolicy?: ImagePolicy) {
  return new MediaServerReconciler({ kube: w, cache: w.cache, logger, reportingInstance: "test", imagePolicy, now: () => new Date("2025-01-01T00:00:00Z") });
}

/** A new MediaServer takes two passes (workload first); returns the second pass's result. */
async function settle(reconciler: MediaServerReconciler) {
  await reconciler.reconcile("media", "sample");
  return reconciler.reconcile("media", "sample");
}

test("reconcile of a new MediaServer -> workload first (ConfigMap and NetworkPolicy, then Deployment, requeue), then Services, one Created event, one status write", async () => {
  const w = world();
  const reconciler = reconcilerFor(w);
  assert.deepEqual(await reconciler.reconcile("media", "sample"), { requeueAfterMs: 0 }, "the rest waits for its turn in the queue");
  assert.equal(w.calls.length, 3);
  assert.match(w.calls[0]!, /^apply ConfigMap\/sample-config-[0-9a-f]{10}$/);
  assert.equal(w.calls[1], "apply NetworkPolicy/sample", "the pods' ingress is limited before they exist");
  assert.equal(w.calls[2], "apply Deployment/sample");
  await reconciler.reconcile("media", "sample");
  assert.deepEqual(w.calls.slice(3, 5).sort(), ["apply Service/sample", "apply Service/sample-metrics"]);
  assert.deepEqual(w.calls.slice(5), ["event Created", "patch status"]);
  assert.match(w.events[0]!.note, /ConfigMap sample-config-[0-9a-f]{10}, NetworkPolicy sample, Deployment sample, Service sample/);
  assert.ok(!w.calls.some((c) => c.endsWith("force")), "nothing forced on objects we do not have yet");
  assert.equal(w.ms?.status?.observedGeneration, 1);
  assert.equal(w.ms?.status?.currentImage, "ghcr.io/mediafleet/media-node:0.1.0");
  assert.equal(w.ms?.status?.selector, "app.kubernetes.io/instance=sample,app.kubernetes.io/name=media-node");
});

test("reconcile again with nothing changed -> no request at all", async () => {
  const w = world();
  const reconciler = reconcilerFor(w);
  await settle(reconciler);
  w.calls.length = 0;
  await reconciler.reconcile("media", "sample");
  await reconciler.reconcile("media", "sample");
  assert.deepEqual(w.calls, []);
});

test("a knob change -> a new immutable ConfigMap, the Deployment re-applied (forced, ours), the unused config deleted, status observes the new generation", async () => {
  const w = world();
  const reconciler = reconcilerFor(w);
  await settle(reconciler);
  const before = w.calls.find((c) => c.startsWith("apply ConfigMap/"))!.slice("apply ConfigMap/".length);
  w.calls.length = 0;
  w.ms!.spec.webrtc.nack.mode = "off";
  w.ms!.metadata.generation = 2;
  await reconciler.reconcile("media", "sample");
  const created = w.calls[0]!.slice("apply ConfigMap/".length);
  assert.notEqual(created, before);
  assert.deepEqual(w.calls, [`apply ConfigMap/${created}`, "apply Deployment/sample force", `delete ConfigMap/${before}`, "event Created", "event Updated", "event Deleted", "patch status"]);
  assert.equal(w.ms?.status?.observedGeneration, 2);
  assert.equal(w.ms?.status?.currentConfigHash?.slice(0, 10), created.slice(-10));
});

test("a layout with canary and baseline -> both Deployments applied beside the fleet; without them -> both deleted; retry consumed", async () => {
  const w = world();
  let layout: Layout = { stable: { image: "media-node:good" }, canary: { image: "media-node:new" }, baseline: { image: "media-node:good" }, analysisId: "a1" };
  let consumeRetry = true;
  const reconciler = reconcilerFor(w, { decide: () => ({ layout, consumeRetry }) });
  await settle(reconciler);
  assert.ok(w.objects.has("Deployment/media/sample-canary") && w.objects.has("Deployment/media/sample-baseline") && w.objects.has("Deployment/media/sample"));
  assert.ok(w.calls.some((c) => c === 'patch metadata {"annotations":{"mediafleet.io/retry":null}}'));
  layout = { stable: { image: "media-node:good" } };
  consumeRetry = false;
  w.calls.length = 0;
  await reconciler.reconcile("media", "sample");
  assert.deepEqual(w.calls.filter((c) => c.startsWith("delete")).sort(), ["delete Deployment/sample-baseline", "delete Deployment/sample-canary"]);
  assert.ok(!w.calls.some((c) => c.startsWith("patch metadata")));
  assert.equal(w.ms?.status?.currentImage, "media-node:good");
});

test("a policy that replaces the analysis -> fields the new one lacks are removed on the server, not merged into it", async () => {
  const w = world();
  let analysis: Record<string, unknown> = { image: "a", phase: "Failed", readyAt: "2025-01-01T00:00:00Z", samples: 9, topGrowth: [{ function: "f", growthBytes: 1 }] };
  const reconciler = reconcilerFor(w, { decide: ({ spec }) => ({ layout: { stable: { image: spec.image } }, status: { analysis: analysis as never } }) });
  await settle(reconciler);
  assert.equal(w.ms?.status?.analysis?.readyAt, "2025-01-01T00:00:00Z");
  analysis = { image: "b", phase: "Running", samples: 0 };
  await reconciler.reconcile("media", "sample");
  assert.deepEqual(w.ms?.status?.analysis, { image: "b", phase: "Running", samples: 0 });
});

test("invalid spec -> nothing applied, Degraded/InvalidSpec with the field path, one Warning event; not repeated", async () => {
  const w = world((ms) => {
    (ms.spec.webrtc.nack as { mode: string }).mode = "sometimes";
  });
  const reconciler = reconcilerFor(w);
  await reconciler.reconcile("media", "sample");
  assert.ok(!w.calls.some((c) => c.startsWith("apply")));
  const degraded = w.ms?.status?.conditions?.find((c) => c.type === "Degraded");
  assert.equal(degraded?.reason, "InvalidSpec");
  assert.match(degraded?.message ?? "", /spec\.webrtc\.nack\.mode/);
  assert.deepEqual(w.events.map((e) => `${e.type}/${e.reason}`), ["Warning/InvalidSpec"]);
  w.calls.length = 0;
  await reconciler.reconcile("media", "sample");
  assert.deepEqual(w.calls, [], "same invalid spec again: no status write, no second event");
});

test("a Deployment of that name controlled by someone else -> not touched, Degraded/ReconcileError, error for the queue to retry", async () => {
  const w = world();
  w.objects.set("Deployment/media/sample", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "sample", namespace: "media", resourceVersion: "5", ownerReferences: [] } });
  await assert.rejects(reconcilerFor(w).reconcile("media", "sample"), /not controlled by this MediaServer/);
  assert.ok(!w.calls.includes("apply Deployment/sample") && !w.calls.includes("apply Deployment/sample force"));
  assert.equal(w.ms?.status?.conditions?.find((c) => c.type === "Degraded")?.reason, "ReconcileError");
  assert.deepEqual(w.events.filter((e) => e.type === "Warning").map((e) => e.reason), ["ReconcileError"]);
});

test("MediaServer not in the cache -> success with no request (NotFound is done)", async () => {
  const w = world();
  w.ms = undefined;
  assert.deepEqual(await reconcilerFor(w).reconcile("media", "sample"), {});
  assert.deepEqual(w.calls, []);
});

test("image policy -> its image runs, its condition wins, its requeue is returned", async () => {
  const w = world();
  const policy: ImagePolicy = {
    decide: () => ({ layout: { stable: { image: "ghcr.io/mediafleet/media-node:0.0.9" } }, conditions: [{ type: "Degraded", status: "True", reason: "RolledBack", message: "heap regression" }], requeueAfterMs: 30_000 }),
  };
  const result = await settle(reconcilerFor(w, policy));
  assert.deepEqual(result, { requeueAfterMs: 30_000 });
  const deployment = w.objects.get("Deployment/media/sample") as { spec: { template: { spec: { containers: Array<{ image: string }> } } } } | undefined;
  assert.equal(deployment?.spec.template.spec.containers[0]?.image, "ghcr.io/mediafleet/media-node:0.0.9");
  assert.equal(w.ms?.status?.currentImage, "ghcr.io/mediafleet/media-node:0.0.9");
  assert.equal(w.ms?.status?.conditions?.find((c) => c.type === "Degraded")?.reason, "RolledBack");
});

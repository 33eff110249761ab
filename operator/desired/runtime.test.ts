import { readFileSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleMediaServer } from "../api/sample.js";
import type { MediaServer } from "../api/types.js";
import { desiredObjects, keepRunningRuntime, memoryFor, REVISION_LABEL, viewerCapacity } from "./index.js";
import { MEDIA_NODE_COMMAND, MEDIA_NODE_RSS, MEMORY_LIMIT_FACTOR, VIEWERS_PER_POD_CEILING } from "./runtime.js";

function withSpec(patch: (spec: Record<string, any>) => void): MediaServer {
  const ms = sampleMediaServer();
  patch(ms.spec as unknown as Record<string, any>);
  return ms;
}
const container = (ms: MediaServer) => desiredObjects(ms).deployment.spec!.template.spec!.containers[0]!;
const mib = (q: unknown) => Number(/^(\d+)Mi$/.exec(String(q))![1]);

test("viewer capacity: the paths' maxViewers summed, bounded by maxSessions and by what one pod serves", () => {
  const webrtc = { maxSessions: 1000 } as any;
  assert.equal(viewerCapacity({ webrtc, paths: [{ name: "a", maxViewers: 50 }, { name: "b", maxViewers: 100 }] as any }), 150);
  assert.equal(viewerCapacity({ webrtc, paths: [{ name: "a", maxViewers: 50 }, { name: "b" }] as any }), VIEWERS_PER_POD_CEILING, "a path without maxViewers: the ceiling");
  assert.equal(viewerCapacity({ webrtc, paths: [{ name: "a", maxViewers: 0 }] as any }), VIEWERS_PER_POD_CEILING, "0 means unlimited, as in the node");
  assert.equal(viewerCapacity({ webrtc: { maxSessions: 40 } as any, paths: [{ name: "a", maxViewers: 500 }] as any }), 40);
});

const shared = { mode: "shared", historyPackets: 512 } as const;

test("memory for N viewers: request = the RSS model rounded up to 16 Mi, limit = twice the request; grows with N", () => {
  const at = (n: number) => MEDIA_NODE_RSS.baseMiB + (MEDIA_NODE_RSS.perViewerKiB * n) / 1024;
  for (const n of [0, 50, 150, 300]) {
    const { requestMiB, limitMiB } = memoryFor(n, shared);
    assert.ok(requestMiB >= at(n) && requestMiB < at(n) + 16 && requestMiB % 16 === 0, `request ${requestMiB} for ${n}`);
    assert.equal(limitMiB, requestMiB * MEMORY_LIMIT_FACTOR);
  }
  assert.ok(memoryFor(150, shared).requestMiB < memoryFor(300, shared).requestMiB);
});

test("memory with a NACK history per viewer: each viewer's history is counted, and deeper costs more", () => {
  const perViewer = memoryFor(100, { mode: "perViewer", historyPackets: 512 }).requestMiB;
  assert.ok(perViewer >= memoryFor(100, shared).requestMiB + (100 * 512 * MEDIA_NODE_RSS.perViewerHistoryKiBPerPacket) / 1024, `${perViewer} Mi`);
  assert.ok(memoryFor(100, { mode: "perViewer", historyPackets: 4096 }).requestMiB > perViewer);
  assert.equal(memoryFor(100, { mode: "off", historyPackets: 512 }).requestMiB, memoryFor(100, shared).requestMiB);
});

test("Deployment memory: none named -> sized from the paths' maxViewers; cpu the user named is kept beside it", () => {
  const ms = withSpec((s) => {
    s.resources = { requests: { cpu: "500m" } };
    s.paths = [{ name: "cam1", maxViewers: 100 }, { name: "cam2", maxViewers: 50 }];
  });
  const { requestMiB, limitMiB } = memoryFor(150, shared);
  assert.deepEqual(container(ms).resources, { requests: { cpu: "500m", memory: `${requestMiB}Mi` }, limits: { memory: `${limitMiB}Mi` } });
  const wider = withSpec((s) => {
    delete s.resources;
    s.paths = [{ name: "cam1", maxViewers: 400 }];
  });
  assert.ok(mib(container(wider).resources!.requests!.memory) > requestMiB, "more viewers allowed, more memory requested");
});

test("Deployment memory: a memory the user names (request or limit) is theirs alone", () => {
  const limitOnly = withSpec((s) => (s.resources = { limits: { memory: "300Mi" } }));
  assert.deepEqual(container(limitOnly).resources, { limits: { memory: "300Mi" } }, "Kubernetes then requests the limit; no default request above it");
  assert.deepEqual(container(sampleMediaServer()).resources, sampleMediaServer().spec.resources);
});

test("a Deployment already running the revision keeps its command and memory; a new revision takes the current defaults", () => {
  const ms = withSpec((s) => {
    s.resources = { requests: { cpu: "1" } };
    s.paths = [{ name: "cam1", maxViewers: 100 }];
  });
  const desired = desiredObjects(ms).deployment;
  const live = structuredClone(desired);
  const liveContainer = live.spec!.template.spec!.containers[0]!;
  liveContainer.command = ["node", "--max-semi-space-size=4", "/app/dist/media-node/main.js"]; // as another operator version rendered it
  delete liveContainer.resources;
  const kept = keepRunningRuntime(desired, live, ms.spec);
  assert.deepEqual(kept.spec!.template, { ...desired.spec!.template, spec: { ...desired.spec!.template.spec!, containers: [{ ...desired.spec!.template.spec!.containers[0]!, command: liveContainer.command, resources: { requests: { cpu: "1" } } }] } });
  assert.notDeepEqual(desired.spec!.template.spec!.containers[0]!.command, liveContainer.command, "the fixture differs from today's default");

  const otherRevision = structuredClone(live);
  otherRevision.spec!.template.metadata!.labels![REVISION_LABEL] = "other";
  assert.deepEqual(keepRunningRuntime(desired, otherRevision, ms.spec), desired, "another revision: current defaults");
  assert.deepEqual(keepRunningRuntime(desired, undefined, ms.spec), desired, "nothing running: current defaults");

  const named = withSpec((s) => (s.resources = { limits: { memory: "2Gi" } }));
  const namedDesired = desiredObjects(named).deployment;
  const namedLive = structuredClone(namedDesired);
  namedLive.spec!.template.spec!.containers[0]!.resources = { limits: { memory: "1Gi" } };
  assert.deepEqual(keepRunningRuntime(namedDesired, namedLive, named.spec).spec!.template.spec!.containers[0]!.resources, { limits: { memory: "2Gi" } }, "memory the user names is applied");
});

test("the image's own CMD runs the node as the operator renders it", () => {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8"));
  assert.ok(cmd, "Dockerfile has an exec-form CMD");
  assert.deepEqual((JSON.parse(cmd[1]!) as string[]).slice(0, MEDIA_NODE_COMMAND.length), MEDIA_NODE_COMMAND);
});

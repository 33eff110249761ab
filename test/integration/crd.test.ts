/**
 * The generated CRD on a real kube-apiserver: installed, defaulted, status and scale
 * subresources, printer columns, and invalid MediaServers refused WITH the field path —
 * each also refused by the operator's own validator at the same path (CEL <-> TS parity).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { startControlPlane, type ControlPlane } from "../cluster/controlPlane.js";
import { applyCrdAndWait, KUBECTL } from "../cluster/kubectl.js";
import { sampleMediaServer } from "../../operator/api/sample.js";
import { validateMediaServer } from "../../operator/api/validate.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let cp: ControlPlane;

interface Run { code: number; stdout: string; stderr: string }

function kubectl(args: string[], stdin?: string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { cwd: ROOT, env: { ...process.env, KUBECONFIG: cp.kubeconfigPath }, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

async function kubectlOk(args: string[], stdin?: string): Promise<string> {
  const result = await kubectl(args, stdin);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

function manifest(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: "mediafleet.io/v1alpha1", kind: "MediaServer", metadata: { name, namespace: "default" }, spec }, { version: "1.1" });
}

before(async () => {
  cp = await startControlPlane();
  await applyCrdAndWait(cp.kubeconfigPath, `${ROOT}crds/mediaserver.yaml`);
}, { timeout: 300_000 });

after(async () => {
  await cp?.stop();
});

test("kubectl apply --dry-run=server -f crds/ -> accepted", async () => {
  const out = await kubectlOk(["apply", "--dry-run=server", "-f", "crds/"]);
  assert.match(out, /mediaservers\.mediafleet\.io .*\(server dry run\)/);
});

test("the sample MediaServer is accepted and defaulted by the API server like the operator's validator", async () => {
  const sample = sampleMediaServer();
  const text = stringify({ ...sample, metadata: { name: "sample", namespace: "default" } }, { version: "1.1" });
  await kubectlOk(["apply", "-f", "-"], text);
  const stored = JSON.parse(await kubectlOk(["get", "msrv", "sample", "-o", "json"]));
  const local = validateMediaServer(sample);
  assert.ok(local.ok);
  assert.deepEqual(stored.spec, local.spec, "API server defaulting == ajv defaulting");
});

test("minimal {image} -> DESIGN.md defaults filled in by the API server", async () => {
  await kubectlOk(["apply", "-f", "-"], manifest("minimal", { image: "media-node:1" }));
  const { spec } = JSON.parse(await kubectlOk(["get", "msrv", "minimal", "-o", "json"]));
  assert.deepEqual(spec.rollback, { enabled: true, maxHeapRegressionPercent: 20, minRegressionMiB: 8, interval: "30s", window: "5m", minSamples: 6, bakeTime: "10m", progressDeadline: "5m", normalizeBy: "viewers" });
  assert.equal(spec.webrtc.nack.mode, "shared");
  assert.equal(spec.webrtc.mdns.mode, "off");
  assert.equal(spec.replicas, 1);
  const local = validateMediaServer({ metadata: { name: "minimal" }, spec: { image: "media-node:1" } });
  assert.ok(local.ok);
  assert.deepEqual(spec, local.spec);
});

const INVALID: Array<{ what: string; name?: string; spec: Record<string, unknown>; path: string; message: RegExp }> = [
  { what: "bad enum", spec: { image: "x", webrtc: { nack: { mode: "sometimes" } } }, path: "spec.webrtc.nack.mode", message: /Unsupported value: "sometimes"/ },
  { what: "service.type enum", spec: { image: "x", service: { type: "ExternalName" } }, path: "spec.service.type", message: /Unsupported value/ },
  { what: "negative replicas", spec: { image: "x", replicas: -1 }, path: "spec.replicas", message: /greater than or equal to 0/ },
  { what: "bad duration text", spec: { image: "x", rollback: { interval: "10 seconds" } }, path: "spec.rollback.interval", message: /should match/ },
  { what: "duration out of range", spec: { image: "x", rollback: { interval: "2h", window: "24h", minSamples: 2 } }, path: "spec.rollback.interval", message: /must be between 1s and 1h/ },
  { what: "rtcpReportInterval out of range", spec: { image: "x", webrtc: { rtcpReportInterval: "90s" } }, path: "spec.webrtc.rtcpReportInterval", message: /must be between 100ms and 60s/ },
  { what: "CEL: ipsFromInterfaces false without hosts", spec: { image: "x", webrtc: { ipsFromInterfaces: false } }, path: "spec.webrtc.additionalHosts", message: /at least one host when ipsFromInterfaces is false/ },
  { what: "CEL: minSamples * interval > window", spec: { image: "x", rollback: { interval: "90s", window: "5m", minSamples: 4 } }, path: "spec.rollback.minSamples", message: /minSamples \* interval must not exceed window/ },
  {
    what: "CEL: two paths on one RTP port",
    spec: { image: "x", paths: [{ name: "a", source: { rtp: { port: 5004, codec: "VP8" } } }, { name: "b", source: { rtp: { port: 5004, codec: "VP8" } } }] },
    path: "spec.paths",
    message: /two paths use the same source.rtp.port/,
  },
  { what: "CEL: rtp and testPattern together", spec: { image: "x", paths: [{ name: "a", source: { rtp: { port: 5004, codec: "VP8" }, testPattern: {} } }] }, path: "spec.paths[0].source", message: /exclusive/ },
  { what: "CEL: pprof on the metrics port", spec: { image: "x", profiling: { port: 9998 } }, path: "spec.profiling.port", message: /must differ/ },
  { what: "duplicate path names", spec: { image: "x", paths: [{ name: "a" }, { name: "a" }] }, path: "spec.paths[1]", message: /Duplicate value/ },
  { what: "bad quantity", spec: { image: "x", resources: { limits: { cpu: "lots" } } }, path: "spec.resources.limits.cpu", message: /should match/ },
  { what: "name too long for <name>-metrics", name: "a".repeat(56), spec: { image: "x" }, path: "metadata.name", message: /DNS-1035 label of at most 55/ },
  // Declared and refused by CEL: an undeclared field would be pruned and the apply would "work".
  { what: "CEL: a token in the CR", spec: { image: "x", paths: [{ name: "a", publishToken: "s3cret" }] }, path: "spec.paths[0].publishToken", message: /Forbidden: tokens are never written in a MediaServer.*publishTokenSecret/ },
  { what: "CEL: a token file in the CR", spec: { image: "x", paths: [{ name: "a" }, { name: "b", readTokenFile: "/etc/passwd" }] }, path: "spec.paths[1].readTokenFile", message: /Forbidden: token files are the operator's to set.*readTokenSecret/ },
  { what: "a token Secret name that is no object name", spec: { image: "x", paths: [{ name: "a", readTokenSecret: { name: "../etc" } }] }, path: "spec.paths[0].readTokenSecret.name", message: /should match/ },
  { what: "a token Secret key ..", spec: { image: "x", paths: [{ name: "a", readTokenSecret: { name: "v", key: ".." } }] }, path: "spec.paths[0].readTokenSecret.key", message: /should match/ },
];

for (const c of INVALID) {
  test(`invalid MediaServer (${c.what}) -> API server refuses it naming ${c.path}; so does validateMediaServer`, async () => {
    const name = c.name ?? "invalid";
    const result = await kubectl(["apply", "-f", "-"], manifest(name, c.spec));
    assert.notEqual(result.code, 0, `accepted:\n${result.stdout}`);
    assert.match(result.stderr, /is invalid/);
    // The top-level CEL rule on metadata.name can carry no fieldPath; its message names the field.
    if (c.path !== "metadata.name") assert.ok(result.stderr.includes(`${c.path}:`), `no "${c.path}:" in:\n${result.stderr}`);
    assert.match(result.stderr, c.message);
    const local = validateMediaServer({ metadata: { name }, spec: c.spec });
    assert.equal(local.ok, false, "the operator's validator accepted what the API server refused");
    assert.ok(!local.ok && local.problems.some((p) => p.path.startsWith(c.path)), JSON.stringify(!local.ok && local.problems));
  });
}

test("a path's token Secrets are accepted and defaulted (key: token) alike by the API server and the operator", async () => {
  const spec = { image: "x", paths: [{ name: "a", readTokenSecret: { name: "viewers" }, publishTokenSecret: { name: "cams", key: "publish" } }] };
  await kubectlOk(["apply", "-f", "-"], manifest("tokens", spec));
  const stored = JSON.parse(await kubectlOk(["get", "msrv", "tokens", "-o", "json"]));
  assert.deepEqual(stored.spec.paths[0].readTokenSecret, { name: "viewers", key: "token" });
  const local = validateMediaServer({ metadata: { name: "tokens" }, spec });
  assert.ok(local.ok);
  assert.deepEqual(stored.spec, local.spec);
  await kubectlOk(["delete", "msrv", "tokens"]);
});

test("edge values both validators accept (CEL and TS agree on the boundary)", async () => {
  const spec = { image: "x", replicas: 0, rollback: { interval: "50s", window: "5m", minSamples: 6, bakeTime: "0s" }, webrtc: { rtcpReportInterval: "100ms" } };
  await kubectlOk(["apply", "--dry-run=server", "-f", "-"], manifest("edge", spec));
  assert.ok(validateMediaServer({ metadata: { name: "edge" }, spec }).ok);
});

test("status subresource keeps every status field the operator writes", async () => {
  const status = {
    observedGeneration: 1,
    replicas: 2,
    readyReplicas: 1,
    selector: "app.kubernetes.io/instance=sample,app.kubernetes.io/name=media-node",
    currentImage: "media-node:1",
    currentConfigHash: "a".repeat(64),
    lastGoodImage: "media-node:1",
    lastGoodRevision: { image: "media-node:1", configHash: "a".repeat(64), promotedAt: "2025-12-31T00:00:00Z", fixedBytes: 30_000_000, bytesPerViewer: 50_000 },
    analysis: {
      image: "media-node:2",
      configHash: "b".repeat(64),
      phase: "Failed",
      reason: "HeapRegression",
      mode: "canary",
      startedAt: "2026-01-01T00:00:00Z",
      readyAt: "2026-01-01T00:00:20Z",
      finishedAt: "2026-01-01T00:05:20Z",
      points: [{ t: 0, canaryBytes: 50_000_000, canaryViewers: 10, baselineBytes: 44_000_000, baselineViewers: 10 }],
      samples: 6,
      heapInuseBytes: 180_600_000,
      baselineHeapInuseBytes: 44_500_000,
      regressionPercent: 305.8,
      message: "heap grew",
      topGrowth: [{ function: "NackBuffer.push", location: "fanout/nack.ts:42", baselineBytes: 0, currentBytes: 113_700_000, growthBytes: 113_700_000 }],
    },
    rejectedImages: [{ image: "media-node:2", configHash: "b".repeat(64), message: "canary over baseline", reason: "HeapRegression", at: "2026-01-01T00:10:00Z", heapInuseBytes: 180_600_000, baselineHeapInuseBytes: 44_500_000, regressionPercent: 305.8 }],
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "1/2 ready", lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 1 },
      { type: "Degraded", status: "True", reason: "RolledBack", message: "media-node:2 rolled back", lastTransitionTime: "2026-01-01T00:10:00Z", observedGeneration: 1 },
    ],
  };
  await kubectlOk(["patch", "msrv", "sample", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
  const stored = JSON.parse(await kubectlOk(["get", "msrv", "sample", "-o", "json"]));
  assert.deepEqual(stored.status, status);
  const bad = await kubectl(["patch", "msrv", "sample", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { analysis: { image: "x", phase: "Maybe" } } })]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /status\.analysis\.phase/);
});

test("kubectl get msrv shows Image, Ready, Status, Last Good, Age", async () => {
  const out = await kubectlOk(["get", "msrv", "sample"]);
  const [header, row] = out.trim().split("\n");
  assert.match(header!, /^NAME\s+IMAGE\s+READY\s+STATUS\s+LAST GOOD\s+AGE$/);
  assert.match(row!, /^sample\s+ghcr\.io\/mediafleet\/media-node:0\.1\.0\s+1\s+MinimumReplicasAvailable\s+media-node:1\s+\S+$/);
  assert.match(await kubectlOk(["get", "mediafleet"]), /sample/, "category mediafleet lists MediaServers");
});

test("kubectl scale msrv --replicas=3 goes through the scale subresource", async () => {
  await kubectlOk(["scale", "msrv/sample", "--replicas=3"]);
  const scale = JSON.parse(await kubectlOk(["get", "--raw", "/apis/mediafleet.io/v1alpha1/namespaces/default/mediaservers/sample/scale"]));
  assert.equal(scale.spec.replicas, 3);
  assert.equal(scale.status.replicas, 2);
  assert.equal(scale.status.selector, "app.kubernetes.io/instance=sample,app.kubernetes.io/name=media-node");
  const negative = await kubectl(["scale", "msrv/sample", "--replicas=-1"]);
  assert.notEqual(negative.code, 0);
});

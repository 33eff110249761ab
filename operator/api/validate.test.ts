import { test } from "node:test";
import assert from "node:assert/strict";
import { CEL_RULES } from "./schema.js";
import { CROSS_FIELD_CHECKS } from "./rules.js";
import { sampleMediaServer } from "./sample.js";
import { fieldPath, InvalidSpecError, normalizeSpec, validateMediaServer, validateSpec, type SpecValidation } from "./validate.js";

function problemsOf(result: SpecValidation) {
  assert.equal(result.ok, false, "expected the spec to be rejected");
  return result.ok ? [] : result.problems;
}

function withSpec(patch: Record<string, unknown>) {
  return { ...sampleMediaServer().spec, ...patch };
}

test("validateSpec(sample) -> ok, every default filled in", () => {
  const result = validateSpec(sampleMediaServer().spec);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.spec.webrtc.maxSessions, 1000);
  assert.equal(result.spec.paths[0]!.waitForPublisher, false);
  assert.equal(result.spec.hostNetwork, false);
});

test("validateSpec({image}) -> the DESIGN.md defaults for rollback, service, profiling, knobs", () => {
  const spec = normalizeSpec({ image: "media-node:1" });
  assert.deepEqual(spec.rollback, { enabled: true, maxHeapRegressionPercent: 20, minRegressionMiB: 8, interval: "30s", window: "5m", minSamples: 6, bakeTime: "10m", progressDeadline: "5m", normalizeBy: "viewers" });
  assert.deepEqual(spec.service, { type: "ClusterIP" });
  assert.equal(spec.profiling.port, 9999);
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.webrtc.nack, { mode: "shared", historyPackets: 512 });
  assert.deepEqual(spec.webrtc.mdns, { mode: "off" });
  assert.equal(spec.webrtc.rtcpReportInterval, "1s");
  assert.deepEqual(spec.webrtc.iceServers, []);
});

test("validateSpec does not change its argument", () => {
  const input = { image: "x" };
  normalizeSpec(input);
  assert.deepEqual(input, { image: "x" });
});

test("bad enum -> spec.webrtc.nack.mode with the allowed values", () => {
  const [problem, ...rest] = problemsOf(validateSpec(withSpec({ webrtc: { nack: { mode: "sometimes" } } })));
  assert.equal(rest.length, 0);
  assert.equal(problem!.path, "spec.webrtc.nack.mode");
  assert.match(problem!.message, /"shared", "perViewer", "off"/);
});

test("service.type outside ClusterIP|NodePort|LoadBalancer -> spec.service.type", () => {
  const problems = problemsOf(validateSpec(withSpec({ service: { type: "ExternalName" } })));
  assert.deepEqual(problems.map((p) => p.path), ["spec.service.type"]);
});

test("negative replicas -> spec.replicas must be >= 0", () => {
  assert.deepEqual(problemsOf(validateSpec(withSpec({ replicas: -1 }))), [{ path: "spec.replicas", message: "must be >= 0" }]);
  assert.ok(validateSpec(withSpec({ replicas: 0 })).ok, "zero replicas is allowed (scale to zero)");
});

test("bad duration text -> spec.rollback.interval pattern error", () => {
  const problems = problemsOf(validateSpec(withSpec({ rollback: { interval: "10 seconds" } })));
  assert.deepEqual(problems.map((p) => p.path), ["spec.rollback.interval"]);
  assert.match(problems[0]!.message, /pattern/);
});

test("duration out of range -> named field and the bounds", () => {
  const problems = problemsOf(validateSpec(withSpec({ rollback: { interval: "500ms", window: "5m", minSamples: 6 } })));
  assert.deepEqual(problems, [{ path: "spec.rollback.interval", message: "must be between 1s and 1h" }]);
  const rtcp = problemsOf(validateSpec(withSpec({ webrtc: { rtcpReportInterval: "90s" } })));
  assert.deepEqual(rtcp, [{ path: "spec.webrtc.rtcpReportInterval", message: "must be between 100ms and 60s" }]);
});

test("ipsFromInterfaces false without additionalHosts -> spec.webrtc.additionalHosts (CEL twin)", () => {
  const problems = problemsOf(validateSpec(withSpec({ webrtc: { ipsFromInterfaces: false } })));
  assert.deepEqual(problems, [{ path: "spec.webrtc.additionalHosts", message: CEL_RULES.additionalHostsRequired.message }]);
  assert.ok(validateSpec(withSpec({ webrtc: { ipsFromInterfaces: true } })).ok);
});

test("minSamples * interval > window -> spec.rollback.minSamples; equal is fine", () => {
  const bad = problemsOf(validateSpec(withSpec({ rollback: { interval: "90s", window: "5m", minSamples: 4 } })));
  assert.deepEqual(bad, [{ path: "spec.rollback.minSamples", message: CEL_RULES.samplesFitWindow.message }]);
  assert.ok(validateSpec(withSpec({ rollback: { interval: "50s", window: "5m", minSamples: 6 } })).ok);
});

test("two paths on one RTP port -> the second path's port", () => {
  const rtp = { codec: "VP8", port: 5004 };
  const problems = problemsOf(validateSpec(withSpec({ paths: [{ name: "a", source: { rtp } }, { name: "b", source: { rtp } }] })));
  assert.deepEqual(problems.map((p) => p.path), ["spec.paths[1].source.rtp.port"]);
});

test("two paths named alike -> spec.paths[1] duplicate (the CRD's list-map key)", () => {
  const problems = problemsOf(validateSpec(withSpec({ paths: [{ name: "a" }, { name: "a" }] })));
  assert.deepEqual(problems.map((p) => p.path), ["spec.paths[1]"]);
});

test("rtp and testPattern together -> spec.paths[0].source", () => {
  const problems = problemsOf(validateSpec(withSpec({ paths: [{ name: "a", source: { rtp: { codec: "VP8", port: 5004 }, testPattern: {} } }] })));
  assert.deepEqual(problems.map((p) => p.path), ["spec.paths[0].source"]);
});

test("profiling.port on the metrics port -> spec.profiling.port", () => {
  assert.deepEqual(problemsOf(validateSpec(withSpec({ profiling: { port: 9998 } }))).map((p) => p.path), ["spec.profiling.port"]);
});

test("unknown field and missing image -> both named", () => {
  const { image: _image, ...noImage } = sampleMediaServer().spec;
  const problems = problemsOf(validateSpec({ ...noImage, replicaz: 2 }));
  assert.deepEqual(problems.map((p) => p.path).sort(), ["spec.image", "spec.replicaz"]);
});

test("resource quantity 'lots' -> spec.resources.limits.cpu; '500m' and 2 pass", () => {
  assert.deepEqual(problemsOf(validateSpec(withSpec({ resources: { limits: { cpu: "lots" } } }))).map((p) => p.path), ["spec.resources.limits.cpu"]);
  assert.ok(validateSpec(withSpec({ resources: { limits: { cpu: "500m", memory: 2 } } })).ok);
});

test("validateMediaServer: a name too long for <name>-metrics -> metadata.name", () => {
  const ms = sampleMediaServer();
  ms.metadata.name = "a".repeat(56);
  assert.deepEqual(problemsOf(validateMediaServer(ms)).map((p) => p.path), ["metadata.name"]);
  ms.metadata.name = "a".repeat(55);
  assert.ok(validateMediaServer(ms).ok);
});

test("normalizeSpec(bad) -> InvalidSpecError listing every problem with its path", () => {
  assert.throws(
    () => normalizeSpec(withSpec({ replicas: -2, service: { type: "Nope" } })),
    (error: unknown) =>
      error instanceof InvalidSpecError && error.code === "MEDIAFLEET_INVALID_SPEC" && /spec\.replicas/.test(error.message) && /spec\.service\.type/.test(error.message),
  );
});

test("fieldPath: ajv pointers -> Kubernetes field paths", () => {
  assert.equal(fieldPath("/paths/0/source/rtp/port"), "spec.paths[0].source.rtp.port");
  assert.equal(fieldPath("/service/annotations/a~1b"), "spec.service.annotations.a/b");
  assert.equal(fieldPath(""), "spec");
});

test("every CEL rule except the metadata one has a TypeScript twin", () => {
  const celNames = Object.keys(CEL_RULES).filter((name) => name !== "nameLength").sort();
  assert.deepEqual(Object.keys(CROSS_FIELD_CHECKS).sort(), celNames);
});

test("a token in the CR -> refused naming spec.paths[0].publishToken (CEL twin); so is a token file", () => {
  const problems = problemsOf(validateSpec(withSpec({ paths: [{ name: "a", publishToken: "s3cret" }] })));
  assert.deepEqual(problems, [{ path: "spec.paths[0].publishToken", message: CEL_RULES.publishTokenForbidden.message }]);
  assert.match(problems[0]!.message, /publishTokenSecret/);
  const files = problemsOf(validateSpec(withSpec({ paths: [{ name: "a" }, { name: "b", readToken: "r", readTokenFile: "/etc/passwd" }] })));
  assert.deepEqual(files.map((p) => p.path), ["spec.paths[1].readToken", "spec.paths[1].readTokenFile"]);
});

test("a path's token Secrets: key defaults to token; names and keys must be one safe path segment", () => {
  const result = validateSpec(withSpec({ paths: [{ name: "a", readTokenSecret: { name: "viewers" }, publishTokenSecret: { name: "cam.tokens", key: "publish" } }] }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(result.spec.paths[0]!.readTokenSecret, { name: "viewers", key: "token" });
  assert.deepEqual(result.spec.paths[0]!.publishTokenSecret, { name: "cam.tokens", key: "publish" });
  const bad = (ref: Record<string, unknown>) => problemsOf(validateSpec(withSpec({ paths: [{ name: "a", readTokenSecret: ref }] }))).map((p) => p.path);
  assert.deepEqual(bad({ name: "../etc" }), ["spec.paths[0].readTokenSecret.name"]);
  assert.deepEqual(bad({ name: "Viewers" }), ["spec.paths[0].readTokenSecret.name"]);
  assert.deepEqual(bad({ name: "v", key: ".." }), ["spec.paths[0].readTokenSecret.key"]);
  assert.deepEqual(bad({ name: "v", key: "a/b" }), ["spec.paths[0].readTokenSecret.key"]);
  assert.deepEqual(bad({ key: "token" }), ["spec.paths[0].readTokenSecret.name"]);
  assert.ok(validateSpec(withSpec({ paths: [{ name: "a", readTokenSecret: { name: "v", key: ".hidden_key-1" } }] })).ok);
});

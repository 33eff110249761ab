import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseConfigText } from "../../media-node/config/load.js";
import { sampleMediaServer } from "../api/sample.js";
import type { MediaServer, PathConfig, WebrtcConfig } from "../api/types.js";
import { InvalidSpecError } from "../api/validate.js";
import { CONFIG_FILE_KEY, CONFIG_HASH_ANNOTATION, desiredObjects, revisionOf, selectorString, versionFromImage } from "./index.js";

function withSpec(patch: (spec: Record<string, any>) => void): MediaServer {
  const ms = sampleMediaServer();
  patch(ms.spec as unknown as Record<string, any>);
  return ms;
}

/** The config as a pod reads it: the ConfigMap's file plus the pprof token its env always carries (a Secret). */
const nodeConfig = (text: string) => parseConfigText(text, { MEDIA_NODE_PPROF_TOKEN: "from-the-secret" });

const all = (d: ReturnType<typeof desiredObjects>) => [d.configMap, d.deployment, d.service, d.metricsService];
const podHash = (d: ReturnType<typeof desiredObjects>) => d.deployment.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION];

test("every object: namespace of the MediaServer, controller owner reference with blockOwnerDeletion", () => {
  const ms = sampleMediaServer();
  for (const object of all(desiredObjects(ms))) {
    assert.equal(object.metadata!.namespace, "default");
    assert.deepEqual(object.metadata!.ownerReferences, [
      { apiVersion: "mediafleet.io/v1alpha1", kind: "MediaServer", name: "sample", uid: ms.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.ok(object.apiVersion && object.kind, "apiVersion and kind are set for server-side apply");
  }
});

test("every object: Kubernetes recommended labels; selector only name + instance", () => {
  const d = desiredObjects(sampleMediaServer());
  for (const object of all(d)) {
    assert.deepEqual(
      { ...object.metadata!.labels, "mediafleet.io/scrape": undefined, "mediafleet.io/config-hash": undefined, "mediafleet.io/role": undefined },
      {
        "app.kubernetes.io/name": "media-node",
        "app.kubernetes.io/instance": "sample",
        "app.kubernetes.io/managed-by": "mediafleet-operator",
        "app.kubernetes.io/part-of": "mediafleet",
        "app.kubernetes.io/version": "0.1.0",
        "mediafleet.io/scrape": undefined,
        "mediafleet.io/config-hash": undefined,
        "mediafleet.io/role": undefined,
      },
    );
  }
  const selector = { "app.kubernetes.io/name": "media-node", "app.kubernetes.io/instance": "sample" };
  assert.deepEqual(d.deployment.spec!.selector.matchLabels, selector);
  assert.deepEqual(d.service.spec!.selector, selector);
  assert.deepEqual(d.metricsService.spec!.selector, selector);
  assert.equal(selectorString("sample"), "app.kubernetes.io/instance=sample,app.kubernetes.io/name=media-node");
});

test("ConfigMap <name>-config-<hash[:10]> is immutable and holds a media-node.yaml the media node itself accepts", () => {
  const d = desiredObjects(sampleMediaServer());
  assert.equal(d.configMap.metadata!.name, `sample-config-${d.configHash.slice(0, 10)}`);
  assert.equal(d.configMap.immutable, true);
  assert.equal(d.configMap.metadata!.labels!["mediafleet.io/config-hash"], d.configHash.slice(0, 10));
  const config = nodeConfig(d.configMap.data![CONFIG_FILE_KEY]!);
  assert.equal(config.http.listen, "0.0.0.0:8117");
  assert.equal(config.metrics.listen, "0.0.0.0:9998");
  assert.equal(config.pprof.listen, "0.0.0.0:9999");
  assert.equal(config.webrtc.rtcpReportInterval, "3s");
  assert.deepEqual(config.webrtc.additionalHosts, ["127.0.0.1"]);
  assert.deepEqual(config.paths.map((p) => p.name), ["cam1", "cam2", "demo"]);
  assert.equal(config.paths[1]!.source!.rtp!.port, 5004);
});

test("minimal spec {image} -> config valid for the media node; profiling.port moves the pprof listener", () => {
  const ms = sampleMediaServer();
  ms.spec = { image: "media-node:2", profiling: { port: 7070 } } as MediaServer["spec"];
  const d = desiredObjects(ms);
  const config = nodeConfig(d.configMap.data![CONFIG_FILE_KEY]!);
  assert.equal(config.pprof.listen, "0.0.0.0:7070");
  assert.equal(config.webrtc.nack.mode, "shared");
  assert.deepEqual(d.metricsService.spec!.ports!.map((p) => p.port), [9998, 7070]);
});

test("pprof token: env from the Secret, never in the ConfigMap", () => {
  const d = desiredObjects(sampleMediaServer());
  assert.doesNotMatch(d.configMap.data![CONFIG_FILE_KEY]!, /token/);
  const env = d.deployment.spec!.template.spec!.containers[0]!.env!;
  assert.deepEqual(env.find((e) => e.name === "MEDIA_NODE_PPROF_TOKEN")!.valueFrom, { secretKeyRef: { name: "sample-pprof", key: "token" } });
  // Secure by default: no Secret named -> the one the operator generates.
  const noSecret = desiredObjects(withSpec((s) => delete s.profiling.tokenSecret));
  assert.deepEqual(noSecret.deployment.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === "MEDIA_NODE_PPROF_TOKEN")!.valueFrom, { secretKeyRef: { name: "sample-pprof-token", key: "token" } });
});

test("a knob change (nack.mode) changes the config hash on the pod template", () => {
  const before = desiredObjects(sampleMediaServer());
  const after = desiredObjects(withSpec((s) => (s.webrtc.nack.mode = "perViewer")));
  assert.match(podHash(before)!, /^[0-9a-f]{64}$/);
  assert.notEqual(podHash(after), podHash(before));
  assert.equal(after.configHash, podHash(after));
});

test("rollback settings, replicas, service and image do not change the config hash", () => {
  const before = podHash(desiredObjects(sampleMediaServer()));
  const unrelated = withSpec((s) => {
    s.rollback = { ...s.rollback, maxHeapRegressionPercent: 50, bakeTime: "1h" };
    s.replicas = 7;
    s.service = { type: "LoadBalancer" };
    s.image = "media-node:9";
  });
  assert.equal(podHash(desiredObjects(unrelated)), before);
});

test("field order in the spec does not change the config hash", () => {
  const ms = sampleMediaServer();
  const reordered = sampleMediaServer();
  reordered.spec.webrtc = Object.fromEntries(Object.entries(ms.spec.webrtc).reverse()) as MediaServer["spec"]["webrtc"];
  assert.equal(podHash(desiredObjects(reordered)), podHash(desiredObjects(ms)));
});

test("Deployment: the local-kubelet contract (command, args, config volume at /etc/mediafleet)", () => {
  const pod = desiredObjects(sampleMediaServer()).deployment.spec!.template.spec!;
  const container = pod.containers[0]!;
  assert.equal(container.name, "media-node");
  assert.deepEqual(container.command, ["node", "/app/dist/media-node/main.js"]);
  assert.deepEqual(container.args, ["--config", "/etc/mediafleet/media-node.yaml"]);
  assert.deepEqual(container.volumeMounts, [{ name: "config", mountPath: "/etc/mediafleet", readOnly: true }]);
  assert.deepEqual(pod.volumes, [{ name: "config", configMap: { name: `sample-config-${podHash(desiredObjects(sampleMediaServer()))!.slice(0, 10)}` } }]);
  assert.deepEqual(
    container.ports!.map((p) => [p.name, p.containerPort, p.protocol]),
    [["http", 8117, "TCP"], ["ice", 8118, "UDP"], ["metrics", 9998, "TCP"], ["pprof", 9999, "TCP"]],
  );
  assert.equal(container.readinessProbe!.httpGet!.path, "/readyz");
  assert.equal(container.livenessProbe!.httpGet!.path, "/healthz");
  assert.equal(container.readinessProbe!.httpGet!.port, 8117);
  assert.equal(pod.terminationGracePeriodSeconds, 15);
  assert.deepEqual(container.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } });
});

test("Deployment: image and replicas from spec; a layout's stable image is what MEDIAFLEET_IMAGE says", () => {
  const ms = sampleMediaServer();
  const plain = desiredObjects(ms);
  assert.equal(plain.deployment.spec!.replicas, 2);
  assert.equal(plain.deployment.spec!.template.spec!.containers[0]!.image, "ghcr.io/mediafleet/media-node:0.1.0");
  const pinned = desiredObjects(ms, { layout: { stable: { image: "ghcr.io/mediafleet/media-node:0.0.9" } } });
  const container = pinned.deployment.spec!.template.spec!.containers[0]!;
  assert.equal(container.image, "ghcr.io/mediafleet/media-node:0.0.9");
  assert.equal(container.env!.find((e) => e.name === "MEDIAFLEET_IMAGE")!.value, "ghcr.io/mediafleet/media-node:0.0.9");
  assert.equal(pinned.deployment.metadata!.labels!["app.kubernetes.io/version"], "0.0.9");
  assert.equal(pinned.image, "ghcr.io/mediafleet/media-node:0.0.9");
});

test("layout with canary and baseline: three Deployments, one replica each beside the fleet, role and revision labels, own selectors", () => {
  const ms = sampleMediaServer();
  const lastGoodConfig = { webrtc: { ...desiredObjects(ms).spec.webrtc, nack: { mode: "off" as const, historyPackets: 512 } }, paths: desiredObjects(ms).spec.paths };
  const lastGood = { image: "media-node:good", config: lastGoodConfig };
  const d = desiredObjects(ms, { layout: { stable: lastGood, canary: { image: "media-node:new" }, baseline: lastGood, analysisId: "2026-12-02T14:00:00Z" } });
  assert.deepEqual([d.stable.deployment.metadata!.name, d.canary!.deployment.metadata!.name, d.baseline!.deployment.metadata!.name], ["sample", "sample-canary", "sample-baseline"]);
  assert.deepEqual([d.stable.deployment.spec!.replicas, d.canary!.deployment.spec!.replicas, d.baseline!.deployment.spec!.replicas], [2, 1, 1]);
  // The fleet and the baseline run the same revision (same config), the canary the spec's.
  assert.equal(d.stable.configHash, d.baseline!.configHash);
  assert.notEqual(d.canary!.configHash, d.stable.configHash);
  assert.equal(d.configMaps.length, 2, "one ConfigMap per distinct config");
  const template = (r: typeof d.stable) => r.deployment.spec!.template;
  assert.equal(template(d.stable).metadata!.labels!["mediafleet.io/role"], "stable");
  assert.equal(template(d.canary!).metadata!.labels!["mediafleet.io/role"], "canary");
  assert.equal(template(d.stable).metadata!.labels!["mediafleet.io/revision"], template(d.baseline!).metadata!.labels!["mediafleet.io/revision"]);
  assert.notEqual(template(d.canary!).metadata!.labels!["mediafleet.io/revision"], template(d.stable).metadata!.labels!["mediafleet.io/revision"]);
  assert.equal(d.canary!.deployment.spec!.selector.matchLabels!["mediafleet.io/role"], "canary");
  assert.equal(d.stable.deployment.spec!.selector.matchLabels!["mediafleet.io/role"], undefined, "the fleet's selector never changes (immutable)");
  // A new analysis restarts canary AND baseline (same age); the fleet's template does not change.
  assert.equal(template(d.baseline!).metadata!.annotations!["mediafleet.io/analysis"], "2026-12-02T14:00:00Z");
  assert.equal(template(d.stable).metadata!.annotations!["mediafleet.io/analysis"], undefined);
  const config = parse(d.stable.configMap.data![CONFIG_FILE_KEY]!);
  assert.equal(config.webrtc.nack.mode, "off", "the fleet runs the last good config, not the spec's");
});

test("Deployment: non-root, read-only root, no privilege escalation, all caps dropped, RuntimeDefault seccomp", () => {
  const pod = desiredObjects(sampleMediaServer()).deployment.spec!.template.spec!;
  assert.deepEqual(pod.containers[0]!.securityContext, {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  });
  assert.equal(pod.securityContext!.runAsNonRoot, true);
  assert.equal(pod.automountServiceAccountToken, false);
});

test("Deployment env: POD_IP from the downward API; additionalHosts from spec", () => {
  const env = desiredObjects(sampleMediaServer()).deployment.spec!.template.spec!.containers[0]!.env!;
  assert.deepEqual(env.find((e) => e.name === "POD_IP")!.valueFrom, { fieldRef: { fieldPath: "status.podIP" } });
  assert.equal(env.find((e) => e.name === "MEDIA_NODE_ADDITIONAL_HOSTS")!.value, "127.0.0.1");
});

test("hostNetwork -> ClusterFirstWithHostNet, hostPorts, no surge, advertises $(POD_IP) when no hosts are given", () => {
  const d = desiredObjects(withSpec((s) => {
    s.hostNetwork = true;
    s.webrtc = { udpPort: 8200 };
  }));
  const pod = d.deployment.spec!.template.spec!;
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.dnsPolicy, "ClusterFirstWithHostNet");
  assert.deepEqual(d.deployment.spec!.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  const container = pod.containers[0]!;
  assert.ok(container.ports!.every((p) => p.hostPort === p.containerPort));
  const env = container.env!;
  const podIp = env.findIndex((e) => e.name === "POD_IP");
  const hosts = env.findIndex((e) => e.name === "MEDIA_NODE_ADDITIONAL_HOSTS");
  assert.equal(env[hosts]!.value, "$(POD_IP)");
  assert.ok(podIp < hosts, "POD_IP must come first for $(POD_IP) to expand");
  const plain = desiredObjects(sampleMediaServer()).deployment.spec!.template.spec!;
  assert.equal(plain.hostNetwork, undefined);
  assert.equal(plain.dnsPolicy, undefined);
});

test("public Service: WHIP/WHEP TCP 8117 and the ICE UDP port only, type and annotations from spec", () => {
  const d = desiredObjects(withSpec((s) => (s.service = { type: "LoadBalancer", annotations: { "lb.example/x": "y" } })));
  assert.equal(d.service.metadata!.name, "sample");
  assert.equal(d.service.spec!.type, "LoadBalancer");
  assert.deepEqual(d.service.metadata!.annotations, { "lb.example/x": "y" });
  assert.deepEqual(d.service.spec!.ports!.map((p) => [p.name, p.port, p.protocol]), [["http", 8117, "TCP"], ["ice", 8118, "UDP"]]);
  assert.ok(!d.service.spec!.ports!.some((p) => p.port === 9998 || p.port === 9999 || /metrics|pprof/.test(p.name!)));
});

test("metrics Service: headless <name>-metrics with metrics and pprof, labelled for scraping", () => {
  const { metricsService } = desiredObjects(sampleMediaServer());
  assert.equal(metricsService.metadata!.name, "sample-metrics");
  assert.equal(metricsService.spec!.clusterIP, "None");
  assert.equal(metricsService.spec!.type, "ClusterIP");
  assert.equal(metricsService.metadata!.labels!["mediafleet.io/scrape"], "true");
  assert.deepEqual(metricsService.spec!.ports!.map((p) => [p.name, p.port]), [["metrics", 9998], ["pprof", 9999]]);
});

test("invalid spec -> InvalidSpecError naming the field; missing uid -> error", () => {
  assert.throws(() => desiredObjects(withSpec((s) => (s.replicas = -1))), (e: unknown) => e instanceof InvalidSpecError && /spec\.replicas/.test(e.message));
  const ms = sampleMediaServer();
  delete ms.metadata.uid;
  assert.throws(() => desiredObjects(ms), /uid/);
});

test("desiredObjects does not change the MediaServer it is given", () => {
  const ms = sampleMediaServer();
  const copy = structuredClone(ms);
  desiredObjects(ms);
  assert.deepEqual(ms, copy);
});

test("versionFromImage: tag, digest, no tag, registry port", () => {
  assert.equal(versionFromImage("media-node:1.2.3"), "1.2.3");
  assert.equal(versionFromImage("registry:5000/media-node"), "latest");
  assert.equal(versionFromImage("registry:5000/media-node:v2"), "v2");
  assert.equal(versionFromImage("m@sha256:0123456789abcdef0123"), "sha256-0123456789ab");
  assert.equal(versionFromImage(`m:${"x".repeat(80)}`).length, 63);
});

const withTokens = (paths: Array<Record<string, unknown>>) => withSpec((s) => (s.paths = paths));
const podSpec = (d: ReturnType<typeof desiredObjects>) => d.deployment.spec!.template.spec!;

test("a path's readTokenSecret -> the ConfigMap names the mounted file (no token), the pod mounts that Secret read-only, only that key", () => {
  const d = desiredObjects(withTokens([{ name: "cam1", readTokenSecret: { name: "viewers" } }]));
  const text = d.configMap.data![CONFIG_FILE_KEY]!;
  const config = nodeConfig(text);
  assert.equal(config.paths[0]!.readTokenFile, "/var/run/mediafleet/tokens/viewers/token");
  assert.equal(config.paths[0]!.readToken, undefined);
  assert.doesNotMatch(text, /TokenSecret|readToken:|publishToken:/, "neither the reference form nor an inline token");
  const pod = podSpec(d);
  const volume = pod.volumes!.find((v) => v.secret)!;
  assert.match(volume.name, /^token-[0-9a-f]{12}$/);
  assert.deepEqual(volume.secret, { secretName: "viewers", defaultMode: 0o440, items: [{ key: "token", path: "token" }] });
  assert.deepEqual(pod.containers[0]!.volumeMounts, [
    { name: "config", mountPath: "/etc/mediafleet", readOnly: true },
    { name: volume.name, mountPath: "/var/run/mediafleet/tokens/viewers", readOnly: true },
  ]);
  assert.ok(!pod.containers[0]!.volumeMounts!.some((m) => "subPath" in m), "no subPath: the kubelet updates a rotated Secret in place");
});

test("paths sharing a Secret -> one volume with the keys they read; another Secret -> its own volume, names unique DNS labels", () => {
  const d = desiredObjects(withTokens([
    { name: "a", publishTokenSecret: { name: "cams", key: "publish" }, readTokenSecret: { name: "cams", key: "read" } },
    { name: "b", readTokenSecret: { name: "cams", key: "read" } },
    { name: "c", publishTokenSecret: { name: `${"x".repeat(60)}.${"y".repeat(60)}.example` } },
  ]));
  const volumes = podSpec(d).volumes!.filter((v) => v.secret);
  assert.deepEqual(volumes.map((v) => v.secret!.secretName), ["cams", `${"x".repeat(60)}.${"y".repeat(60)}.example`]);
  assert.deepEqual(volumes[0]!.secret!.items, [{ key: "publish", path: "publish" }, { key: "read", path: "read" }]);
  for (const v of podSpec(d).volumes!) assert.match(v.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  assert.equal(new Set(podSpec(d).volumes!.map((v) => v.name)).size, 3);
  const config = nodeConfig(d.configMap.data![CONFIG_FILE_KEY]!);
  assert.deepEqual(config.paths.map((p) => [p.publishTokenFile, p.readTokenFile]), [
    ["/var/run/mediafleet/tokens/cams/publish", "/var/run/mediafleet/tokens/cams/read"],
    [undefined, "/var/run/mediafleet/tokens/cams/read"],
    [`/var/run/mediafleet/tokens/${"x".repeat(60)}.${"y".repeat(60)}.example/token`, undefined],
  ]);
});

test("the config hash depends on which Secret and key a path reads, never on the token (no input carries it)", () => {
  const ref = (secret: Record<string, unknown>) => podHash(desiredObjects(withTokens([{ name: "a", readTokenSecret: secret }])));
  const base = ref({ name: "viewers" });
  // desiredObjects reads no Secret: a rotated token is not an input, so it changes no revision.
  assert.equal(ref({ name: "viewers", key: "token" }), base, "the defaulted key is the same reference");
  assert.notEqual(ref({ name: "viewers", key: "other" }), base);
  assert.notEqual(ref({ name: "viewers-2026" }), base);
  assert.notEqual(podHash(desiredObjects(withTokens([{ name: "a" }]))), base);
});

test("a revision restored from its ConfigMap (token files) renders the same ConfigMap and the same Secret mounts", () => {
  const ms = withTokens([{ name: "a", readTokenSecret: { name: "viewers" } }, { name: "b", publishTokenSecret: { name: "cams", key: "pub" } }]);
  const d = desiredObjects(ms);
  // As operator/rollout restores a last good config: the media-node form, token files and all.
  const restored = parse(d.configMap.data![CONFIG_FILE_KEY]!) as { webrtc: WebrtcConfig; paths: PathConfig[] };
  const lastGood = { image: "media-node:good", config: { webrtc: restored.webrtc, paths: restored.paths } };
  const rolledBack = desiredObjects(ms, { layout: { stable: lastGood } });
  assert.equal(rolledBack.configHash, d.configHash);
  assert.equal(revisionOf(d.spec, lastGood).configHash, d.configHash);
  assert.deepEqual(rolledBack.configMap.data, d.configMap.data);
  assert.deepEqual(podSpec(rolledBack).volumes, podSpec(d).volumes);
  assert.deepEqual(podSpec(rolledBack).containers[0]!.volumeMounts, podSpec(d).containers[0]!.volumeMounts);
});

test("a token in the CR -> InvalidSpecError naming spec.paths[0].publishToken; nothing rendered", () => {
  assert.throws(
    () => desiredObjects(withTokens([{ name: "a", publishToken: "s3cret" }])),
    (e: unknown) => e instanceof InvalidSpecError && /spec\.paths\[0\]\.publishToken: .*publishTokenSecret/.test(e.message),
  );
});

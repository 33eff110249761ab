/**
 * hostNetwork pods: no NetworkPolicy applies to them, and 0.0.0.0 there is every interface of
 * the node. The pod's metrics and pprof bind the pod's (= the node's) address only, and pprof
 * only with its token: checked on the config a media node reads from the ConfigMap plus the
 * env a kubelet gives the container.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1EnvVar } from "@kubernetes/client-node";
import { ConfigError, parseConfigText } from "../../media-node/config/load.js";
import { sampleMediaServer } from "../api/sample.js";
import type { MediaServer } from "../api/types.js";
import { CONFIG_FILE_KEY, desiredObjects } from "./index.js";

function hostNetworked(patch?: (spec: Record<string, any>) => void): MediaServer {
  const ms = sampleMediaServer();
  const spec = ms.spec as unknown as Record<string, any>;
  spec.hostNetwork = true;
  patch?.(spec);
  return ms;
}

/** The container env as a kubelet resolves it: downward API, Secret keys, $(VAR) from earlier entries. */
function kubeletEnv(vars: V1EnvVar[], pod: { ip: string; secrets: Record<string, Record<string, string>> }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of vars) {
    if (v.valueFrom?.fieldRef) env[v.name] = v.valueFrom.fieldRef.fieldPath === "status.podIP" ? pod.ip : `(${v.valueFrom.fieldRef.fieldPath})`;
    else if (v.valueFrom?.secretKeyRef) env[v.name] = pod.secrets[v.valueFrom.secretKeyRef.name!]?.[v.valueFrom.secretKeyRef.key] ?? "";
    else env[v.name] = (v.value ?? "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  return env;
}

function nodeConfigOf(ms: MediaServer, pod: { ip: string; secrets: Record<string, Record<string, string>> }) {
  const d = desiredObjects(ms);
  const env = kubeletEnv(d.deployment.spec!.template.spec!.containers[0]!.env!, pod);
  return parseConfigText(d.configMap.data![CONFIG_FILE_KEY]!, env);
}

const SECRETS = { "sample-pprof": { token: "s3cret" } };

test("hostNetwork -> MEDIA_NODE_METRICS_LISTEN and MEDIA_NODE_PPROF_LISTEN on $(POD_IP), declared after POD_IP so they expand", () => {
  const env = desiredObjects(hostNetworked((s) => (s.profiling = { port: 7070, tokenSecret: { name: "sample-pprof" } }))).deployment.spec!.template.spec!.containers[0]!.env!;
  const at = (name: string) => env.findIndex((e) => e.name === name);
  assert.equal(env[at("MEDIA_NODE_METRICS_LISTEN")]!.value, "$(POD_IP):9998");
  assert.equal(env[at("MEDIA_NODE_PPROF_LISTEN")]!.value, "$(POD_IP):7070");
  assert.ok(at("POD_IP") < at("MEDIA_NODE_METRICS_LISTEN") && at("POD_IP") < at("MEDIA_NODE_PPROF_LISTEN"));
  assert.deepEqual(env[at("MEDIA_NODE_PPROF_TOKEN")]!.valueFrom, { secretKeyRef: { name: "sample-pprof", key: "token" } });
});

test("hostNetwork pod as the kubelet starts it -> metrics and pprof on the node's address only, pprof with the token", () => {
  const config = nodeConfigOf(hostNetworked(), { ip: "10.0.0.7", secrets: SECRETS });
  assert.equal(config.metrics.listen, "10.0.0.7:9998");
  assert.equal(config.pprof.listen, "10.0.0.7:9999");
  assert.equal(config.pprof.token, "s3cret");
  assert.equal(config.http.listen, "0.0.0.0:8117", "WHIP/WHEP stay on every interface: viewers reach the node");
  const v6 = nodeConfigOf(hostNetworked(), { ip: "fd00::7", secrets: SECRETS });
  assert.equal(v6.pprof.listen, "fd00::7:9999");
});

test("hostNetwork pod whose token Secret key is empty -> the media node refuses to start (pprof is never open)", () => {
  assert.throws(() => nodeConfigOf(hostNetworked(), { ip: "10.0.0.7", secrets: { "sample-pprof": { token: "" } } }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /pprof\.token: must be set when pprof\.listen \(10\.0\.0\.7:9999\) is not a loopback address/);
    return true;
  });
});

test("pod network (no hostNetwork) -> no listen override: 0.0.0.0 in the pod's own namespace, which the NetworkPolicy guards", () => {
  const d = desiredObjects(sampleMediaServer());
  const names = d.deployment.spec!.template.spec!.containers[0]!.env!.map((e) => e.name);
  assert.ok(!names.includes("MEDIA_NODE_METRICS_LISTEN") && !names.includes("MEDIA_NODE_PPROF_LISTEN"));
  const config = nodeConfigOf(sampleMediaServer(), { ip: "10.244.0.9", secrets: SECRETS });
  assert.equal(config.pprof.listen, "0.0.0.0:9999");
  assert.equal(config.pprof.token, "s3cret");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleMediaServer } from "../api/sample.js";
import { normalizeSpec } from "../api/validate.js";
import { KubeApiError } from "../kube/errors.js";
import type { KubeObject } from "../kube/objects.js";
import { PprofTokens, type SecretKube } from "./pprofToken.js";

class Secrets implements SecretKube {
  readonly stored = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  async get<T extends KubeObject>(_r: unknown, namespace: string, name: string): Promise<T> {
    this.calls.push(`get ${name}`);
    const found = this.stored.get(`${namespace}/${name}`);
    if (!found) throw new KubeApiError(404, "NotFound", "not found", "get", name);
    return structuredClone(found) as T;
  }
  async create<T extends KubeObject>(object: T): Promise<T> {
    this.calls.push(`create ${object.metadata.name}`);
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (this.stored.has(key)) throw new KubeApiError(409, "AlreadyExists", "exists", "create", key);
    this.stored.set(key, structuredClone(object));
    return object;
  }
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

test("no tokenSecret -> <name>-pprof-token generated once (random, owned by the MediaServer), then served from memory", async () => {
  const kube = new Secrets();
  const tokens = new PprofTokens(kube);
  const ms = sampleMediaServer();
  const spec = normalizeSpec({ ...ms.spec, profiling: { port: 9999 } });
  const first = await tokens.tokenFor(ms, spec);
  assert.ok(first && first.length >= 40, "32 random bytes, base64url");
  const secret = kube.stored.get("default/sample-pprof-token") as KubeObject & { data: Record<string, string> };
  assert.equal(Buffer.from(secret.data.token!, "base64").toString(), first);
  assert.equal(secret.metadata.ownerReferences?.[0]?.kind, "MediaServer");
  assert.equal(await tokens.tokenFor(ms, spec), first);
  assert.deepEqual(kube.calls, ["get sample-pprof-token", "create sample-pprof-token"], "a MediaServer at rest costs no request");
  tokens.forget("default", "sample");
  assert.equal(await tokens.tokenFor(ms, spec), first);
  assert.equal(kube.calls.at(-1), "get sample-pprof-token", "forgotten with its MediaServer: read again");
});

test("a user's Secret is read, never created; a 401 makes the next call read it again (rotation)", async () => {
  const kube = new Secrets();
  kube.stored.set("default/sample-pprof", { apiVersion: "v1", kind: "Secret", metadata: { name: "sample-pprof", namespace: "default" }, data: { token: b64("one\n") } });
  const tokens = new PprofTokens(kube);
  const ms = sampleMediaServer();
  const spec = normalizeSpec(ms.spec);
  assert.equal(spec.profiling.tokenSecret?.name, "sample-pprof");
  assert.equal(await tokens.tokenFor(ms, spec), "one");
  kube.stored.set("default/sample-pprof", { apiVersion: "v1", kind: "Secret", metadata: { name: "sample-pprof", namespace: "default" }, data: { token: b64("two") } });
  assert.equal(await tokens.tokenFor(ms, spec), "one", "cached");
  tokens.invalidate(ms, spec);
  assert.equal(await tokens.tokenFor(ms, spec), "two");
  kube.stored.clear();
  tokens.invalidate(ms, spec);
  assert.equal(await tokens.tokenFor(ms, spec), undefined, "a missing user Secret is the user's to create");
  assert.ok(!kube.calls.some((c) => c.startsWith("create")));
});

test("generated Secret made meanwhile by another leader (AlreadyExists) -> its stored token is used", async () => {
  const kube = new Secrets();
  const tokens = new PprofTokens(kube);
  const ms = sampleMediaServer();
  const spec = normalizeSpec({ ...ms.spec, profiling: { port: 9999 } });
  const realGet = kube.get.bind(kube);
  let gets = 0;
  kube.get = async <T extends KubeObject>(r: unknown, namespace: string, name: string): Promise<T> => {
    // The first GET misses; before our create lands, another operator creates it.
    if (gets++ === 0) {
      kube.stored.set(`${namespace}/${name}`, { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, data: { token: b64("theirs") } });
      throw new KubeApiError(404, "NotFound", "not found", "get", name);
    }
    return realGet<T>(r, namespace, name);
  };
  assert.equal(await tokens.tokenFor(ms, spec), "theirs");
});

/**
 * The bearer token the operator sends to every pod's pprof listener. Secure by default: when
 * the MediaServer names no Secret (spec.profiling.tokenSecret), the operator generates one
 * (`<name>-pprof-token`, 32 random bytes, owned by the MediaServer) that the pods mount as
 * MEDIA_NODE_PPROF_TOKEN. A token is read once and kept until a pod answers 401 with it
 * (`invalidate`): a rotated Secret is then read again, and a MediaServer at rest costs no request.
 */
import { randomBytes } from "node:crypto";
import type { MediaServer, MediaServerSpec } from "../api/types.js";
import { ownerReference, PPROF_TOKEN_KEY, pprofTokenSecretName } from "../desired/index.js";
import { isAlreadyExists, isNotFound } from "../kube/errors.js";
import type { KubeObject } from "../kube/objects.js";
import { SECRETS, type ResourceType } from "../kube/resources.js";

export interface SecretKube {
  get<T extends KubeObject>(resource: ResourceType, namespace: string, name: string): Promise<T>;
  create<T extends KubeObject>(object: T): Promise<T>;
}

type Secret = KubeObject & { data?: Record<string, string> };

export class PprofTokens {
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly kube: SecretKube) {}

  /** The token for this MediaServer's pods, creating the generated Secret when it is missing. */
  async tokenFor(ms: MediaServer, spec: MediaServerSpec): Promise<string | undefined> {
    const namespace = ms.metadata.namespace ?? "default";
    const ref = spec.profiling.tokenSecret;
    const name = ref?.name ?? pprofTokenSecretName(ms.metadata.name);
    const key = ref?.key ?? PPROF_TOKEN_KEY;
    const cacheKey = `${namespace}/${ms.metadata.name}|${name}/${key}`;
    if (this.cache.has(cacheKey)) return this.cache.get(cacheKey);
    let token: string | undefined;
    try {
      const secret = await this.kube.get<Secret>(SECRETS, namespace, name);
      const encoded = secret.data?.[key];
      token = encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8").trim();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // A user's Secret that does not exist is theirs to create (pods wait for it); ours we make.
      if (!ref) token = await this.generate(ms, namespace, name);
    }
    // A missing user Secret is not cached: the pods cannot start without it either, and it may come.
    if (token !== undefined) this.cache.set(cacheKey, token);
    return token;
  }

  /** A pod refused the token (401): read the Secret again next time (it may have been rotated). */
  invalidate(ms: MediaServer, spec: MediaServerSpec): void {
    const ref = spec.profiling.tokenSecret;
    this.cache.delete(`${ms.metadata.namespace ?? "default"}/${ms.metadata.name}|${ref?.name ?? pprofTokenSecretName(ms.metadata.name)}/${ref?.key ?? PPROF_TOKEN_KEY}`);
  }

  /** The MediaServer is gone: drop its token. */
  forget(namespace: string, name: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${namespace}/${name}|`)) this.cache.delete(key);
  }

  private async generate(ms: MediaServer, namespace: string, name: string): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    const secret: Secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "mediafleet-operator", "app.kubernetes.io/instance": ms.metadata.name }, ownerReferences: [ownerReference(ms)] },
      type: "Opaque",
      data: { [PPROF_TOKEN_KEY]: Buffer.from(token).toString("base64") },
    } as Secret;
    try {
      await this.kube.create(secret);
      return token;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // Made by a previous leader a moment ago: use what is stored.
      const stored = await this.kube.get<Secret>(SECRETS, namespace, name);
      return Buffer.from(stored.data?.[PPROF_TOKEN_KEY] ?? "", "base64").toString("utf8");
    }
  }
}

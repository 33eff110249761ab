/**
 * Per-path tokens of a revision (pure). A MediaServer path names a Secret and key; the
 * revision's config names only the file that key is mounted as, so the config hash depends on
 * WHICH Secret and key a path uses, never on the token: rotating a token changes no revision
 * and restarts no pod, and rolling back cannot restore an old token. The Deployment mounts
 * every Secret its config reads, derived from the config itself, so a config restored from
 * its ConfigMap gets exactly the mounts it was made with.
 */
import { createHash } from "node:crypto";
import type { V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import type { MediaServerPath, PathConfig, SecretKeyRef } from "../api/types.js";

/** Each Secret is mounted at `<root>/<secret name>`, each key as a file in it. */
export const TOKEN_MOUNT_ROOT = "/var/run/mediafleet/tokens";

/** A path as a revision may hold it: from the spec (Secret references) or restored from a ConfigMap (files). */
export type RevisionPath = MediaServerPath | PathConfig;

export function tokenFilePath(ref: SecretKeyRef): string {
  return `${TOKEN_MOUNT_ROOT}/${ref.name}/${ref.key}`;
}

/** The inverse of `tokenFilePath`; undefined for a file the operator did not place. */
export function tokenSecretOf(file: string): SecretKeyRef | undefined {
  if (!file.startsWith(`${TOKEN_MOUNT_ROOT}/`)) return undefined;
  // The CRD's patterns keep "/" out of Secret names and keys: two segments, unambiguous.
  const parts = file.slice(TOKEN_MOUNT_ROOT.length + 1).split("/");
  return parts.length === 2 && parts[0] && parts[1] ? { name: parts[0], key: parts[1] } : undefined;
}

/** A path as the media node reads it: Secret references become the files they are mounted as. */
export function nodePath(path: RevisionPath): PathConfig {
  const { publishTokenSecret, readTokenSecret, ...rest } = path as MediaServerPath & PathConfig;
  return {
    ...rest,
    ...(publishTokenSecret ? { publishTokenFile: tokenFilePath(publishTokenSecret) } : {}),
    ...(readTokenSecret ? { readTokenFile: tokenFilePath(readTokenSecret) } : {}),
  };
}

/** A DNS label, unique per Secret (Secret names may be 253 characters with dots; volume names may not). */
export function tokenVolumeName(secret: string): string {
  return `token-${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
}

export interface TokenMounts {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
}

/** One read-only volume per Secret the paths read (sorted by name), holding only the keys they read. */
export function tokenMounts(paths: PathConfig[]): TokenMounts {
  const keys = new Map<string, Set<string>>();
  for (const path of paths) {
    for (const file of [path.publishTokenFile, path.readTokenFile]) {
      const ref = file === undefined ? undefined : tokenSecretOf(file);
      if (!ref) continue;
      const set = keys.get(ref.name) ?? new Set<string>();
      set.add(ref.key);
      keys.set(ref.name, set);
    }
  }
  const secrets = [...keys.keys()].sort();
  return {
    volumes: secrets.map((secret) => ({
      name: tokenVolumeName(secret),
      // 0440: the pod's fsGroup reads it, nobody else; the kubelet keeps the files current.
      secret: { secretName: secret, defaultMode: 0o440, items: [...keys.get(secret)!].sort().map((key) => ({ key, path: key })) },
    })),
    mounts: secrets.map((secret) => ({ name: tokenVolumeName(secret), mountPath: `${TOKEN_MOUNT_ROOT}/${secret}`, readOnly: true })),
  };
}

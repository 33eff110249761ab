/** Names and labels that tie pods and ConfigMaps to a revision (image + config hash). */
import { createHash } from "node:crypto";
import type { RevisionRef } from "../api/types.js";

/** Pod label: which part of the MediaServer the pod is (stable | canary | baseline). */
export const ROLE_LABEL = "mediafleet.io/role";
/** Pod label: the revision's short key (image + config hash), so a sample names what it measured. */
export const REVISION_LABEL = "mediafleet.io/revision";
/** ConfigMap label: the first 10 hex digits of the config hash (the name suffix). */
export const CONFIG_HASH_LABEL = "mediafleet.io/config-hash";

/** A label-safe key of a revision: 12 hex digits of sha256(image, configHash). */
export function revisionKey(revision: RevisionRef): string {
  return createHash("sha256").update(revision.image).update("\u0000").update(revision.configHash).digest("hex").slice(0, 12);
}

/** The immutable ConfigMap holding one config. */
export function configMapName(name: string, configHash: string): string {
  return `${name}-config-${configHash.slice(0, 10)}`;
}

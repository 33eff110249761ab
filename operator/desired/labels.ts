/** Labels, selector and owner reference shared by every object made for one MediaServer. */
import type { V1OwnerReference } from "@kubernetes/client-node";
import { API_VERSION, KIND, type MediaServer } from "../api/types.js";

export const APP_NAME = "media-node";
export const MANAGED_BY = "mediafleet-operator";
export const PART_OF = "mediafleet";
/** On the headless metrics Service: what scrapers (the operator, Prometheus) select. */
export const SCRAPE_LABEL = "mediafleet.io/scrape";

/** The pod selector; stable for the object's life (a Deployment's selector is immutable). */
export function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/instance": name };
}

/** `status.selector` for the scale subresource, e.g. "app.kubernetes.io/instance=a,app.kubernetes.io/name=media-node". */
export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label-safe version from an image reference: the tag, or a short digest, else "latest". */
export function versionFromImage(image: string): string {
  const at = image.indexOf("@");
  if (at >= 0) {
    const [algorithm, hex = ""] = image.slice(at + 1).split(":");
    return sanitize(`${algorithm}-${hex.slice(0, 12)}`);
  }
  const lastSlash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > lastSlash ? sanitize(image.slice(colon + 1)) : "latest";
}

function sanitize(value: string): string {
  const cleaned = value.replace(/[^-A-Za-z0-9_.]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return LABEL_VALUE.test(cleaned) && cleaned.length > 0 ? cleaned : "unknown";
}

/** Kubernetes recommended labels for every object of one MediaServer running `image`. */
export function commonLabels(name: string, image: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/version": versionFromImage(image),
  };
}

/** Makes the MediaServer the controlling owner, so the garbage collector deletes what we made. */
export function ownerReference(ms: MediaServer): V1OwnerReference {
  if (!ms.metadata.uid) throw new Error(`MediaServer ${ms.metadata.name} has no metadata.uid; owner references need one`);
  return { apiVersion: API_VERSION, kind: KIND, name: ms.metadata.name, uid: ms.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** The resources the operator touches and how their REST paths are spelled. */
import { GROUP, PLURAL, VERSION } from "../api/types.js";

export interface ResourceType {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const MEDIASERVERS: ResourceType = { group: GROUP, version: VERSION, plural: PLURAL, kind: "MediaServer" };
export const DEPLOYMENTS: ResourceType = { group: "apps", version: "v1", plural: "deployments", kind: "Deployment" };
export const CONFIGMAPS: ResourceType = { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap" };
export const SERVICES: ResourceType = { group: "", version: "v1", plural: "services", kind: "Service" };
export const SECRETS: ResourceType = { group: "", version: "v1", plural: "secrets", kind: "Secret" };
export const PODS: ResourceType = { group: "", version: "v1", plural: "pods", kind: "Pod" };
export const LEASES: ResourceType = { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease" };
export const EVENTS: ResourceType = { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event" };
export const NETWORK_POLICIES: ResourceType = { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy" };
/** Only the CRD upgrade step (crdUpgrade.ts) touches these; the operator never does. */
export const CRDS: ResourceType = { group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition" };

const BY_KIND = new Map([MEDIASERVERS, DEPLOYMENTS, CONFIGMAPS, SERVICES, SECRETS, PODS, LEASES, EVENTS, CRDS, NETWORK_POLICIES].map((r) => [`${apiVersionOf(r)}/${r.kind}`, r]));

export function apiVersionOf(resource: ResourceType): string {
  return resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
}

/** The resource for an object's apiVersion and kind, for the kinds this operator knows. */
export function resourceFor(apiVersion: string, kind: string): ResourceType {
  const resource = BY_KIND.get(`${apiVersion}/${kind}`);
  if (!resource) throw new Error(`the operator does not manage ${kind} (${apiVersion})`);
  return resource;
}

function groupPrefix(resource: ResourceType): string {
  return resource.group === "" ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
}

/** Collection path; all namespaces when `namespace` is undefined or "". */
export function collectionPath(resource: ResourceType, namespace?: string): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${groupPrefix(resource)}${ns}/${resource.plural}`;
}

export function objectPath(resource: ResourceType, namespace: string, name: string, subresource?: string): string {
  const tail = subresource ? `/${subresource}` : "";
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}${tail}`;
}

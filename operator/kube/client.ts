/**
 * The operations the operator performs on the API server, each one request:
 * server-side apply of the objects it owns, reads, a merge patch of a status subresource,
 * Events, and Lease get/create/update for leader election.
 */
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "./objects.js";
import { EVENTS, LEASES, objectPath, collectionPath, resourceFor, type ResourceType } from "./resources.js";
import { KubeRest, type KubeRestOptions } from "./rest.js";

/** The field manager for everything this operator applies; stable across versions and pods. */
export const FIELD_MANAGER = "mediafleet-operator";
const APPLY_PATCH = "application/apply-patch+yaml";
const MERGE_PATCH = "application/merge-patch+json";

/** KUBECONFIG (or ~/.kube/config) when present, else the in-cluster service account. */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  if (!kubeConfig.getCurrentCluster()) throw new Error("no Kubernetes cluster configured: set KUBECONFIG or run in a pod");
  return kubeConfig;
}

export interface ApplyOptions {
  /** Take over fields another manager owns. Only for objects we own outright. */
  force: boolean;
  fieldManager?: string;
}

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface EventInput {
  regarding: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string; resourceVersion?: string };
  type: "Normal" | "Warning";
  reason: string;
  action: string;
  note: string;
  reportingController: string;
  reportingInstance: string;
}

export class KubeClient {
  readonly rest: KubeRest;

  constructor(kubeConfig: KubeConfig, options: KubeRestOptions = {}) {
    this.rest = new KubeRest(kubeConfig, options);
  }

  /** Server-side apply of `object`; returns the object as stored. */
  apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T> {
    const resource = resourceFor(String(object.apiVersion), String(object.kind));
    const namespace = object.metadata.namespace ?? "";
    return this.rest.request<T>("apply", objectPath(resource, namespace, object.metadata.name), {
      resource: resource.plural,
      body: object,
      contentType: APPLY_PATCH,
      query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: options.force ? true : undefined },
    });
  }

  get<T extends KubeObject>(resource: ResourceType, namespace: string, name: string): Promise<T> {
    return this.rest.request<T>("get", objectPath(resource, namespace, name), { resource: resource.plural });
  }

  /**
   * JSON merge patch of the status subresource. With `resourceVersion` the write is
   * conditional (409 Conflict when the object changed since it was read).
   */
  patchStatus<T extends KubeObject>(resource: ResourceType, namespace: string, name: string, status: unknown, resourceVersion?: string): Promise<T> {
    const body: Record<string, unknown> = { status };
    if (resourceVersion) body.metadata = { resourceVersion };
    return this.rest.request<T>("patch", objectPath(resource, namespace, name, "status"), {
      resource: `${resource.plural}/status`,
      body,
      contentType: MERGE_PATCH,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** Creates `object` (409 AlreadyExists when it exists). */
  create<T extends KubeObject>(object: T): Promise<T> {
    const resource = resourceFor(String(object.apiVersion), String(object.kind));
    return this.rest.request<T>("create", collectionPath(resource, object.metadata.namespace ?? ""), { resource: resource.plural, body: object, query: { fieldManager: FIELD_MANAGER } });
  }

  /**
   * Deletes an object; with `uid` only that incarnation (a precondition, so a newer object of
   * the same name is never deleted by mistake). Background propagation: its pods go with it.
   */
  delete(resource: ResourceType, namespace: string, name: string, uid?: string): Promise<unknown> {
    const body = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background", ...(uid ? { preconditions: { uid } } : {}) };
    return this.rest.request<unknown>("delete", objectPath(resource, namespace, name), { resource: resource.plural, body });
  }

  /** JSON merge patch of an object's metadata (e.g. removing an annotation with `null`). */
  patchMetadata<T extends KubeObject>(resource: ResourceType, namespace: string, name: string, metadata: Record<string, unknown>): Promise<T> {
    return this.rest.request<T>("patch", objectPath(resource, namespace, name), {
      resource: resource.plural,
      body: { metadata },
      contentType: MERGE_PATCH,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** An events.k8s.io/v1 Event about `regarding`. */
  createEvent(input: EventInput, now = new Date()): Promise<KubeObject> {
    const namespace = input.regarding.namespace;
    const event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      // Unique like client-go's recorder: object name + a hex timestamp.
      metadata: { name: `${input.regarding.name}.${(now.getTime() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`, namespace },
      eventTime: microTime(now),
      regarding: input.regarding,
      type: input.type,
      reason: input.reason,
      action: input.action,
      note: input.note.slice(0, 1024),
      reportingController: input.reportingController,
      reportingInstance: input.reportingInstance,
    };
    return this.rest.request<KubeObject>("create", collectionPath(EVENTS, namespace), { resource: EVENTS.plural, body: event });
  }

  getLease(namespace: string, name: string): Promise<Lease> {
    return this.get<Lease>(LEASES, namespace, name);
  }

  createLease(namespace: string, name: string, spec: LeaseSpec): Promise<Lease> {
    return this.rest.request<Lease>("create", collectionPath(LEASES, namespace), {
      resource: LEASES.plural,
      body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec },
    });
  }

  /** Replaces the lease; `lease.metadata.resourceVersion` makes it fail with 409 if someone else wrote first. */
  updateLease(lease: Lease): Promise<Lease> {
    const namespace = lease.metadata.namespace ?? "";
    return this.rest.request<Lease>("update", objectPath(LEASES, namespace, lease.metadata.name), { resource: LEASES.plural, body: lease });
  }

  close(): Promise<void> {
    return this.rest.close();
  }
}

/** metav1.MicroTime wants exactly six fractional digits ("2025-01-01T00:00:00.000000Z"). */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/**
 * The NetworkPolicy of one MediaServer's pods (pure). Viewers and publishers are anywhere on
 * the internet, so WHIP/WHEP (TCP), the ICE port and RTP ingest (UDP) admit every source;
 * metrics and pprof admit only pods of the operator's namespace and of the namespaces the
 * MediaServer names in `spec.observability.allowedNamespaces`.
 *
 * Limits, said again in the README: a policy is enforced only by a network plugin that
 * implements NetworkPolicy, and never for hostNetwork pods (there the pprof token is the
 * guard, and both listeners bind the pod's address only: ./deployment.ts).
 */
import type { V1LabelSelector, V1ObjectMeta } from "@kubernetes/client-node";
import type { MediaServer, MediaServerSpec } from "../api/types.js";
import { HTTP_PORT, METRICS_PORT } from "./config.js";
import { commonLabels, ownerReference, selectorLabels } from "./labels.js";

/** Set by the API server on every namespace (Kubernetes >= 1.21): a namespace selected by name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * networking.k8s.io/v1 NetworkPolicy as the API server reads it. client-node's model names a
 * rule's `from` `_from` (its serializer renames it); the operator applies plain JSON.
 */
export interface NetworkPolicyPort {
  protocol: "TCP" | "UDP";
  port: number;
}

export interface NetworkPolicyPeer {
  namespaceSelector?: V1LabelSelector;
  podSelector?: V1LabelSelector;
}

export interface NetworkPolicyIngressRule {
  /** Absent: every source. */
  from?: NetworkPolicyPeer[];
  ports: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: V1ObjectMeta;
  spec: { podSelector: V1LabelSelector; policyTypes: Array<"Ingress" | "Egress">; ingress: NetworkPolicyIngressRule[] };
}

export interface NetworkPolicyInput {
  ms: MediaServer;
  spec: MediaServerSpec;
  /** The fleet's image (the version label, as on the Services). */
  image: string;
  /** Where the operator runs (it scrapes metrics and pprof); undefined or "" when it does not know. */
  operatorNamespace?: string;
  /**
   * UDP ports the pods listen on for media, over every revision running (fleet, canary,
   * baseline): each revision's ICE port and RTP ingest ports. A knob change may move them.
   */
  udpPorts: number[];
}

/** One policy per MediaServer, named like its Deployment and public Service. */
export function networkPolicyName(name: string): string {
  return name;
}

/** The namespaces admitted to metrics and pprof: the operator's and the spec's, sorted, once each. */
export function observerNamespaces(operatorNamespace: string | undefined, allowed: readonly string[]): string[] {
  const all = new Set(allowed);
  if (operatorNamespace) all.add(operatorNamespace);
  return [...all].sort();
}

export function buildNetworkPolicy({ ms, spec, image, operatorNamespace, udpPorts }: NetworkPolicyInput): NetworkPolicy {
  const name = ms.metadata.name;
  const open: NetworkPolicyPort[] = [
    { protocol: "TCP", port: HTTP_PORT },
    ...[...new Set(udpPorts)].sort((a, b) => a - b).map((port) => ({ protocol: "UDP" as const, port })),
  ];
  // No `from`: every source, inside the cluster or not.
  const ingress: NetworkPolicyIngressRule[] = [{ ports: open }];
  const observers = observerNamespaces(operatorNamespace, spec.observability.allowedNamespaces);
  // A rule without `from` would admit everyone: with nobody to admit, there is no rule, and
  // the policy (which selects the pods for Ingress) then refuses every source on these ports.
  if (observers.length > 0) {
    ingress.push({
      from: observers.map((namespace) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } })),
      ports: [
        { protocol: "TCP", port: METRICS_PORT },
        { protocol: "TCP", port: spec.profiling.port },
      ],
    });
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: networkPolicyName(name), namespace: ms.metadata.namespace, labels: commonLabels(name, image), ownerReferences: [ownerReference(ms)] },
    spec: {
      // Every pod of the MediaServer: fleet, canary and baseline share these labels.
      podSelector: { matchLabels: selectorLabels(name) },
      policyTypes: ["Ingress"],
      ingress,
    },
  };
}

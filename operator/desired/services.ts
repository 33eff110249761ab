/** The public Service (WHIP/WHEP + ICE) and the headless metrics Service (never public). */
import type { V1Service } from "@kubernetes/client-node";
import type { MediaServer, MediaServerSpec } from "../api/types.js";
import { HTTP_PORT, METRICS_PORT } from "./config.js";
import { commonLabels, ownerReference, SCRAPE_LABEL, selectorLabels } from "./labels.js";

export function metricsServiceName(name: string): string {
  return `${name}-metrics`;
}

export function buildPublicService(ms: MediaServer, spec: MediaServerSpec, image: string): V1Service {
  const name = ms.metadata.name;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: ms.metadata.namespace,
      labels: commonLabels(name, image),
      ...(spec.service.annotations ? { annotations: { ...spec.service.annotations } } : {}),
      ownerReferences: [ownerReference(ms)],
    },
    spec: {
      type: spec.service.type,
      selector: selectorLabels(name),
      ports: [
        { name: "http", port: HTTP_PORT, targetPort: HTTP_PORT, protocol: "TCP" },
        { name: "ice", port: spec.webrtc.udpPort, targetPort: spec.webrtc.udpPort, protocol: "UDP" },
      ],
    },
  };
}

export function buildMetricsService(ms: MediaServer, spec: MediaServerSpec, image: string): V1Service {
  const name = ms.metadata.name;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: metricsServiceName(name),
      namespace: ms.metadata.namespace,
      labels: { ...commonLabels(name, image), [SCRAPE_LABEL]: "true" },
      ownerReferences: [ownerReference(ms)],
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "None",
      // Scrape a pod that is not ready too: a new build failing readiness is exactly what to look at.
      publishNotReadyAddresses: true,
      selector: selectorLabels(name),
      ports: [
        { name: "metrics", port: METRICS_PORT, targetPort: METRICS_PORT, protocol: "TCP" },
        { name: "pprof", port: spec.profiling.port, targetPort: spec.profiling.port, protocol: "TCP" },
      ],
    },
  };
}

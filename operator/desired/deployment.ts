/** The Deployment running media-node for one MediaServer (pure). */
import type { V1Container, V1Deployment, V1EnvVar, V1SecurityContext, V1PodSecurityContext } from "@kubernetes/client-node";
import type { MediaServer, MediaServerSpec } from "../api/types.js";
import { CONFIG_FILE_PATH, CONFIG_MOUNT_DIR, HTTP_PORT, METRICS_PORT } from "./config.js";
import { commonLabels, ownerReference, selectorLabels } from "./labels.js";

export const CONTAINER_NAME = "media-node";
export const CONFIG_HASH_ANNOTATION = "mediafleet.io/config-hash";
/** Entry point inside the image; the local kubelet in test/sim runs the same path from the build. */
export const MEDIA_NODE_COMMAND = ["node", "/app/dist/media-node/main.js"];
export const RUN_AS_USER = 10001;

export interface DeploymentInput {
  ms: MediaServer;
  spec: MediaServerSpec;
  image: string;
  configMapName: string;
  configHash: string;
}

export const containerSecurityContext: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

const podSecurityContext: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: "RuntimeDefault" },
};

function env(spec: MediaServerSpec, image: string): V1EnvVar[] {
  const vars: V1EnvVar[] = [
    { name: "MEDIAFLEET_IMAGE", value: image },
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
  ];
  // Advertised ICE hosts: the spec's list, else (hostNetwork) the node's address, which is the pod IP there.
  // Declared after POD_IP so the kubelet can expand $(POD_IP).
  if (spec.webrtc.additionalHosts.length > 0) {
    vars.push({ name: "MEDIA_NODE_ADDITIONAL_HOSTS", value: spec.webrtc.additionalHosts.join(",") });
  } else if (spec.hostNetwork) {
    vars.push({ name: "MEDIA_NODE_ADDITIONAL_HOSTS", value: "$(POD_IP)" });
  }
  const secret = spec.profiling.tokenSecret;
  if (secret) {
    vars.push({ name: "MEDIA_NODE_PPROF_TOKEN", valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } });
  }
  return vars;
}

function container(spec: MediaServerSpec, image: string): V1Container {
  const hostPort = (port: number) => (spec.hostNetwork ? { hostPort: port } : {});
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: HTTP_PORT, scheme: "HTTP" },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    name: CONTAINER_NAME,
    image,
    imagePullPolicy: "IfNotPresent",
    command: [...MEDIA_NODE_COMMAND],
    args: ["--config", CONFIG_FILE_PATH],
    ports: [
      { name: "http", containerPort: HTTP_PORT, protocol: "TCP", ...hostPort(HTTP_PORT) },
      { name: "ice", containerPort: spec.webrtc.udpPort, protocol: "UDP", ...hostPort(spec.webrtc.udpPort) },
      { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP", ...hostPort(METRICS_PORT) },
      { name: "pprof", containerPort: spec.profiling.port, protocol: "TCP", ...hostPort(spec.profiling.port) },
    ],
    env: env(spec, image),
    volumeMounts: [{ name: "config", mountPath: CONFIG_MOUNT_DIR, readOnly: true }],
    readinessProbe: probe("/readyz", 5),
    livenessProbe: { ...probe("/healthz", 10), initialDelaySeconds: 5 },
    securityContext: containerSecurityContext,
    ...(spec.resources ? { resources: structuredClone(spec.resources) as V1Container["resources"] } : {}),
  };
}

export function buildDeployment({ ms, spec, image, configMapName, configHash }: DeploymentInput): V1Deployment {
  const name = ms.metadata.name;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ms.metadata.namespace, labels: commonLabels(name, image), ownerReferences: [ownerReference(ms)] },
    spec: {
      replicas: spec.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(name) },
      // On the host network two pods of one node cannot share the ports: replace, never surge.
      ...(spec.hostNetwork ? { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } } : {}),
      template: {
        metadata: { labels: commonLabels(name, image), annotations: { [CONFIG_HASH_ANNOTATION]: configHash } },
        spec: {
          ...(spec.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 15,
          securityContext: podSecurityContext,
          containers: [container(spec, image)],
          volumes: [{ name: "config", configMap: { name: configMapName } }],
        },
      },
    },
  };
}

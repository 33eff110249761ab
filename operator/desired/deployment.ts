/** The Deployment running media-node for one MediaServer (pure). */
import type { V1Container, V1Deployment, V1EnvVar, V1SecurityContext, V1PodSecurityContext } from "@kubernetes/client-node";
import type { MediaServer } from "../api/types.js";
import { CONFIG_FILE_PATH, CONFIG_MOUNT_DIR, HTTP_PORT, METRICS_PORT, type RevisionSpec } from "./config.js";
import { commonLabels, ownerReference, selectorLabels } from "./labels.js";
import { REVISION_LABEL, ROLE_LABEL, revisionKey } from "./revision.js";
import { containerResources, MEDIA_NODE_COMMAND } from "./runtime.js";
import { nodePath, tokenMounts, type TokenMounts } from "./tokens.js";

/** stable: the fleet (last good revision); canary: the revision under analysis; baseline: a fresh pod of the last good one. */
export type PodRole = "stable" | "canary" | "baseline";

/** Key of the pprof token in the Secret the operator generates when spec.profiling.tokenSecret is not set. */
export const PPROF_TOKEN_KEY = "token";

/** The Secret holding the pprof bearer token the operator generated (secure by default). */
export function pprofTokenSecretName(name: string): string {
  return `${name}-pprof-token`;
}

/** The fleet keeps the MediaServer's name; canary and baseline are Deployments beside it. */
export function deploymentName(name: string, role: PodRole): string {
  return role === "stable" ? name : `${name}-${role}`;
}

export const CONTAINER_NAME = "media-node";
export const CONFIG_HASH_ANNOTATION = "mediafleet.io/config-hash";
export const RUN_AS_USER = 10001;

export interface DeploymentInput {
  ms: MediaServer;
  /** The spec with the revision's config in place (its paths say which token Secrets to mount). */
  spec: RevisionSpec;
  image: string;
  configMapName: string;
  configHash: string;
  role: PodRole;
  /** Canary/baseline only: the analysis they serve (a new one restarts both, so they are the same age). */
  analysisId?: string;
}

export const ANALYSIS_ANNOTATION = "mediafleet.io/analysis";

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

function env(ms: MediaServer, spec: RevisionSpec, image: string): V1EnvVar[] {
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
  // On the host network no NetworkPolicy applies and 0.0.0.0 would be every interface of the
  // node: metrics and pprof bind the pod's (= the node's) address only, pprof with its token.
  if (spec.hostNetwork) {
    vars.push(
      { name: "MEDIA_NODE_METRICS_LISTEN", value: `$(POD_IP):${METRICS_PORT}` },
      { name: "MEDIA_NODE_PPROF_LISTEN", value: `$(POD_IP):${spec.profiling.port}` },
    );
  }
  // Always a token: the user's Secret, else the one the operator generated for this MediaServer.
  const secret = spec.profiling.tokenSecret ?? { name: pprofTokenSecretName(ms.metadata.name), key: PPROF_TOKEN_KEY };
  vars.push({ name: "MEDIA_NODE_PPROF_TOKEN", valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } });
  return vars;
}

function container(ms: MediaServer, spec: RevisionSpec, image: string, tokens: TokenMounts): V1Container {
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
    env: env(ms, spec, image),
    volumeMounts: [{ name: "config", mountPath: CONFIG_MOUNT_DIR, readOnly: true }, ...tokens.mounts],
    readinessProbe: probe("/readyz", 5),
    livenessProbe: { ...probe("/healthz", 10), initialDelaySeconds: 5 },
    securityContext: containerSecurityContext,
    resources: containerResources(spec),
  };
}

export function buildDeployment({ ms, spec, image, configMapName, configHash, role, analysisId }: DeploymentInput): V1Deployment {
  const name = ms.metadata.name;
  const podLabels = { ...commonLabels(name, image), [ROLE_LABEL]: role, [REVISION_LABEL]: revisionKey({ image, configHash }) };
  // The fleet's selector is the one it always had (selectors are immutable). Canary and baseline
  // select their role too; their pods also match the fleet's selector, which is harmless: a
  // ReplicaSet only counts pods it controls. The public Service sends new sessions to all of them.
  const selector = role === "stable" ? selectorLabels(name) : { ...selectorLabels(name), [ROLE_LABEL]: role };
  // Mounted whole, never by subPath: the kubelet then updates the files when a token is rotated.
  const tokens = tokenMounts(spec.paths.map(nodePath));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: deploymentName(name, role), namespace: ms.metadata.namespace, labels: { ...commonLabels(name, image), [ROLE_LABEL]: role }, ownerReferences: [ownerReference(ms)] },
    spec: {
      replicas: role === "stable" ? spec.replicas : 1,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // On the host network two pods of one node cannot share the ports: replace, never surge.
      ...(spec.hostNetwork ? { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } } : {}),
      template: {
        metadata: { labels: podLabels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash, ...(role !== "stable" && analysisId ? { [ANALYSIS_ANNOTATION]: analysisId } : {}) } },
        spec: {
          ...(spec.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 15,
          securityContext: podSecurityContext,
          containers: [container(ms, spec, image, tokens)],
          volumes: [{ name: "config", configMap: { name: configMapName } }, ...tokens.volumes],
        },
      },
    },
  };
}

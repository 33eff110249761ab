/**
 * Desired state of one MediaServer: pure builders, no I/O. The reconciler server-side-applies
 * what `desiredObjects` returns; everything carries the MediaServer as controlling owner.
 *
 * A revision is image + media-node config. Each config lives in an immutable ConfigMap named
 * by its hash (`<name>-config-<hash[:10]>`), so a revision can be restored exactly: the fleet
 * (the stable Deployment `<name>`) runs the last good revision, and during an analysis one
 * canary pod (`<name>-canary`, the new revision) and one baseline pod (`<name>-baseline`, the
 * last good revision) run beside it. Credentials are never in a ConfigMap: the pprof token
 * and each path's tokens come from Secrets the MediaServer names (./tokens.ts).
 */
import type { V1ConfigMap, V1Deployment, V1Service } from "@kubernetes/client-node";
import type { MediaServer, MediaServerSpec, RevisionRef, WebrtcConfig } from "../api/types.js";
import { normalizeSpec } from "../api/validate.js";
import { CONFIG_FILE_KEY, configHash, mediaNodeConfigYaml, type RevisionSpec } from "./config.js";
import type { RevisionPath } from "./tokens.js";
import { buildDeployment, type PodRole } from "./deployment.js";
import { commonLabels, ownerReference } from "./labels.js";
import { buildNetworkPolicy, type NetworkPolicy } from "./networkPolicy.js";
import { CONFIG_HASH_LABEL } from "./revision.js";
import { buildMetricsService, buildPublicService } from "./services.js";

export { CONFIG_FILE_KEY, CONFIG_FILE_PATH, CONFIG_MOUNT_DIR, HTTP_PORT, METRICS_PORT, configHash, mediaNodeConfigDocument, mediaNodeConfigYaml, type RevisionSpec } from "./config.js";
export { TOKEN_MOUNT_ROOT, nodePath, tokenFilePath, tokenVolumeName, type RevisionPath } from "./tokens.js";
export { CONFIG_HASH_ANNOTATION, CONTAINER_NAME, PPROF_TOKEN_KEY, deploymentName, pprofTokenSecretName, type PodRole } from "./deployment.js";
export { APP_NAME, MANAGED_BY, SCRAPE_LABEL, commonLabels, ownerReference, selectorLabels, selectorString, versionFromImage } from "./labels.js";
export { CONFIG_HASH_LABEL, REVISION_LABEL, ROLE_LABEL, configMapName, revisionKey } from "./revision.js";
export { metricsServiceName } from "./services.js";
export { MEDIA_NODE_COMMAND, containerResources, keepRunningRuntime, memoryFor, viewerCapacity } from "./runtime.js";
export { NAMESPACE_NAME_LABEL, networkPolicyName, observerNamespaces, type NetworkPolicy } from "./networkPolicy.js";

/**
 * What one Deployment runs: an image and a config (the spec's when `config` is absent). A config
 * restored from its ConfigMap has token files where the spec has Secret references; both render
 * to the same ConfigMap and mounts.
 */
export interface RevisionSource {
  image: string;
  config?: { webrtc: WebrtcConfig; paths: RevisionPath[] };
}

export interface Layout {
  stable: RevisionSource;
  canary?: RevisionSource;
  baseline?: RevisionSource;
  /** On canary and baseline pod templates: a new analysis starts both pods afresh (same age). */
  analysisId?: string;
}

export interface DesiredOptions {
  /** Namespace the operator runs in: the NetworkPolicy admits it to metrics and pprof. */
  operatorNamespace?: string;
  /** What each Deployment runs; default: the spec's revision on the fleet, no canary. */
  layout?: Layout;
}

export interface RenderedRevision extends RevisionRef {
  role: PodRole;
  configMap: V1ConfigMap;
  deployment: V1Deployment;
}

export interface DesiredObjects {
  /** One ConfigMap per distinct config of the layout (immutable, named by hash). */
  configMaps: V1ConfigMap[];
  stable: RenderedRevision;
  canary?: RenderedRevision;
  baseline?: RenderedRevision;
  service: V1Service;
  metricsService: V1Service;
  /** Ingress of every pod of the MediaServer: media open to all, metrics and pprof to observers only. */
  networkPolicy: NetworkPolicy;
  /** The defaulted spec the objects were built from. */
  spec: MediaServerSpec;
  /** The fleet's ConfigMap, Deployment, image and config hash (= stable's). */
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  image: string;
  configHash: string;
}

/** The spec with a revision's config in place of its own (image and the rest stay). */
function specFor(spec: MediaServerSpec, source: RevisionSource): RevisionSpec {
  return source.config ? { ...spec, webrtc: source.config.webrtc, paths: source.config.paths } : spec;
}

/** image + config hash of what `source` would run under `spec` (pure; the policy's view of a revision). */
export function revisionOf(spec: MediaServerSpec, source: RevisionSource): RevisionRef {
  return { image: source.image, configHash: configHash(configData(specFor(spec, source))) };
}

function configData(spec: RevisionSpec): Record<string, string> {
  return { [CONFIG_FILE_KEY]: mediaNodeConfigYaml(spec) };
}

function renderRevision(ms: MediaServer, spec: MediaServerSpec, source: RevisionSource, role: PodRole, analysisId?: string): RenderedRevision {
  const revSpec = specFor(spec, source);
  const data = configData(revSpec);
  const hash = configHash(data);
  const name = ms.metadata.name;
  const cmName = `${name}-config-${hash.slice(0, 10)}`;
  const configMap: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: cmName,
      namespace: ms.metadata.namespace,
      labels: { ...commonLabels(name, source.image), [CONFIG_HASH_LABEL]: hash.slice(0, 10) },
      ownerReferences: [ownerReference(ms)],
    },
    // Content-addressed: the name is the hash, so the content never changes under a running pod.
    immutable: true,
    data,
  };
  const deployment = buildDeployment({ ms, spec: revSpec, image: source.image, configMapName: cmName, configHash: hash, role, ...(analysisId ? { analysisId } : {}) });
  return { role, image: source.image, configHash: hash, configMap, deployment };
}

/** Throws InvalidSpecError (operator/api/validate.ts) when the spec breaks a schema or CEL rule. */
export function desiredObjects(ms: MediaServer, opts: DesiredOptions = {}): DesiredObjects {
  const spec = normalizeSpec(ms.spec);
  const layout = opts.layout ?? { stable: { image: spec.image } };
  const stable = renderRevision(ms, spec, layout.stable, "stable");
  const canary = layout.canary ? renderRevision(ms, spec, layout.canary, "canary", layout.analysisId) : undefined;
  const baseline = layout.baseline ? renderRevision(ms, spec, layout.baseline, "baseline", layout.analysisId) : undefined;
  const configMaps = new Map<string, V1ConfigMap>();
  for (const r of [stable, canary, baseline]) if (r) configMaps.set(r.configMap.metadata!.name!, r.configMap);
  // A revision's config may move the ICE or an RTP port: open what any running revision listens on.
  const udpPorts = [layout.stable, layout.canary, layout.baseline].flatMap((source) => {
    if (!source) return [];
    const revSpec = specFor(spec, source);
    return [revSpec.webrtc.udpPort, ...revSpec.paths.flatMap((p) => (p.source?.rtp ? [p.source.rtp.port] : []))];
  });
  return {
    configMaps: [...configMaps.values()],
    stable,
    ...(canary ? { canary } : {}),
    ...(baseline ? { baseline } : {}),
    service: buildPublicService(ms, spec, stable.image),
    metricsService: buildMetricsService(ms, spec, stable.image),
    networkPolicy: buildNetworkPolicy({ ms, spec, image: stable.image, operatorNamespace: opts.operatorNamespace, udpPorts }),
    spec,
    configMap: stable.configMap,
    deployment: stable.deployment,
    image: stable.image,
    configHash: stable.configHash,
  };
}

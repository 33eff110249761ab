/**
 * Desired state of one MediaServer: pure builders, no I/O. The reconciler server-side-applies
 * what `desiredObjects` returns; everything carries the MediaServer as controlling owner.
 */
import type { V1ConfigMap, V1Deployment, V1Service } from "@kubernetes/client-node";
import type { MediaServer, MediaServerSpec } from "../api/types.js";
import { normalizeSpec } from "../api/validate.js";
import { CONFIG_FILE_KEY, configHash, mediaNodeConfigYaml } from "./config.js";
import { buildDeployment } from "./deployment.js";
import { commonLabels, ownerReference } from "./labels.js";
import { buildMetricsService, buildPublicService } from "./services.js";

export { CONFIG_FILE_KEY, CONFIG_FILE_PATH, CONFIG_MOUNT_DIR, HTTP_PORT, METRICS_PORT, configHash, mediaNodeConfigDocument, mediaNodeConfigYaml } from "./config.js";
export { CONFIG_HASH_ANNOTATION, CONTAINER_NAME, MEDIA_NODE_COMMAND } from "./deployment.js";
export { APP_NAME, MANAGED_BY, SCRAPE_LABEL, commonLabels, ownerReference, selectorLabels, selectorString, versionFromImage } from "./labels.js";
export { metricsServiceName } from "./services.js";

export interface DesiredOptions {
  /** Namespace the operator runs in. Accepted for call sites; no object depends on it today. */
  operatorNamespace?: string;
  /** Image to run instead of spec.image (the analysis layer pins lastGoodImage after a rollback). */
  imageOverride?: string;
}

export interface DesiredObjects {
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  service: V1Service;
  metricsService: V1Service;
  /** The defaulted spec the objects were built from. */
  spec: MediaServerSpec;
  /** The image the Deployment runs. */
  image: string;
  /** sha256 of the ConfigMap data, also on the pod template as mediafleet.io/config-hash. */
  configHash: string;
}

export function configMapName(name: string): string {
  return `${name}-config`;
}

/** Throws InvalidSpecError (operator/api/validate.ts) when the spec breaks a schema or CEL rule. */
export function desiredObjects(ms: MediaServer, opts: DesiredOptions = {}): DesiredObjects {
  const spec = normalizeSpec(ms.spec);
  const image = opts.imageOverride ?? spec.image;
  const name = ms.metadata.name;
  const data = { [CONFIG_FILE_KEY]: mediaNodeConfigYaml(spec) };
  const hash = configHash(data);
  const configMap: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: configMapName(name),
      namespace: ms.metadata.namespace,
      labels: commonLabels(name, image),
      ownerReferences: [ownerReference(ms)],
    },
    data,
  };
  return {
    configMap,
    deployment: buildDeployment({ ms, spec, image, configMapName: configMapName(name), configHash: hash }),
    service: buildPublicService(ms, spec, image),
    metricsService: buildMetricsService(ms, spec, image),
    spec,
    image,
    configHash: hash,
  };
}

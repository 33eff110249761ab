/**
 * The CustomResourceDefinition, built from the one schema (pure; ./gen.ts writes it to disk).
 */
import { CEL_RULES, mediaServerSpecSchema } from "./schema.js";
import { mediaServerStatusSchema } from "./statusSchema.js";
import { CATEGORY, CRD_NAME, GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from "./types.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON Schema -> Kubernetes structural schema. The API server refuses
 * `additionalProperties: false` (unknown fields are pruned instead) and knows no `$id`.
 */
export function toStructural(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (schema === null || typeof schema !== "object") return schema as Json;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$id") continue;
    if (key === "additionalProperties" && value === false) continue;
    // Property names are data, not keywords: recurse into each property's schema only.
    if (key === "properties" && value && typeof value === "object") {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toStructural(sub)]));
      continue;
    }
    out[key] = toStructural(value);
  }
  return out;
}

const { name: _ruleName, ...nameRule } = CEL_RULES.nameLength;

export function openApiV3Schema(): Json {
  return {
    type: "object",
    description: "MediaServer runs a fleet of media-node WebRTC servers and rolls back images whose heap regresses.",
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: toStructural(mediaServerSpecSchema),
      status: toStructural(mediaServerStatusSchema),
    },
    "x-kubernetes-validations": [nameRule],
  };
}

export const PRINTER_COLUMNS: Json[] = [
  { name: "Image", type: "string", jsonPath: ".spec.image" },
  { name: "Ready", type: "integer", jsonPath: ".status.readyReplicas", description: "pods ready" },
  { name: "Replicas", type: "integer", jsonPath: ".spec.replicas", priority: 1 },
  { name: "Status", type: "string", jsonPath: ".status.conditions[?(@.type==\"Available\")].reason", description: "reason of the Available condition" },
  { name: "Analysis", type: "string", jsonPath: ".status.analysis.phase", priority: 1 },
  { name: "Last Good", type: "string", jsonPath: ".status.lastGoodImage" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

export function mediaServerCrd(): Json {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: CRD_NAME,
      labels: { "app.kubernetes.io/name": "mediafleet", "app.kubernetes.io/part-of": "mediafleet" },
    },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: [SHORT_NAME], categories: [CATEGORY] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiV3Schema() },
          subresources: {
            status: {},
            scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" },
          },
          additionalPrinterColumns: PRINTER_COLUMNS,
        },
      ],
    },
  };
}

/**
 * The MediaServer status schema. Fully typed (no preserve-unknown-fields): every field the
 * operator writes is listed, so the API server prunes nothing it should keep and a typo in a
 * status patch shows up as a missing field in tests.
 */
import { ANALYSIS_PHASES } from "./types.js";

const bytes = { type: "integer", minimum: 0, format: "int64" };
const timestamp = { type: "string", format: "date-time" };

const heapGrowth = {
  type: "object",
  required: ["function", "growthBytes"],
  properties: {
    function: { type: "string", description: "allocation site (function name)" },
    location: { type: "string", description: "file:line when the profile has it" },
    baselineBytes: bytes,
    currentBytes: bytes,
    growthBytes: { type: "integer", format: "int64" },
  },
};

const topGrowth = { type: "array", maxItems: 20, items: heapGrowth, description: "allocation sites whose in-use bytes grew most" };

const condition = {
  type: "object",
  required: ["type", "status", "lastTransitionTime", "reason", "message"],
  properties: {
    type: { type: "string", maxLength: 316 },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    reason: { type: "string", maxLength: 1024 },
    message: { type: "string", maxLength: 32768 },
    lastTransitionTime: timestamp,
    observedGeneration: { type: "integer", minimum: 0, format: "int64" },
  },
};

export const mediaServerStatusSchema: Record<string, unknown> = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer", format: "int64" },
    replicas: { type: "integer", minimum: 0, format: "int32" },
    readyReplicas: { type: "integer", minimum: 0, format: "int32" },
    selector: { type: "string", description: "label selector of the pods (scale subresource)" },
    currentImage: { type: "string", description: "image the Deployment runs now" },
    lastGoodImage: { type: "string", description: "last image that passed the heap analysis" },
    analysis: {
      type: "object",
      required: ["image", "phase"],
      properties: {
        image: { type: "string" },
        phase: { type: "string", enum: [...ANALYSIS_PHASES] },
        startedAt: timestamp,
        samples: { type: "integer", minimum: 0 },
        heapInuseBytes: bytes,
        baselineHeapInuseBytes: bytes,
        regressionPercent: { type: "number" },
        message: { type: "string" },
        topGrowth,
      },
    },
    rejectedImages: {
      type: "array",
      maxItems: 50,
      description: "images rolled back for a heap regression; never deployed again unless spec.image changes or mediafleet.io/retry is set",
      items: {
        type: "object",
        required: ["image", "reason", "at"],
        properties: {
          image: { type: "string" },
          reason: { type: "string" },
          at: timestamp,
          heapInuseBytes: bytes,
          baselineHeapInuseBytes: bytes,
          regressionPercent: { type: "number" },
          topGrowth,
        },
      },
    },
    conditions: {
      type: "array",
      items: condition,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    },
  },
};

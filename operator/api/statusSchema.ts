/**
 * The MediaServer status schema. Fully typed (no preserve-unknown-fields): every field the
 * operator writes is listed, so the API server prunes nothing it should keep and a typo in a
 * status patch shows up as a missing field in tests.
 */
import { ANALYSIS_PHASES } from "./types.js";

const bytes = { type: "integer", minimum: 0, format: "int64" };
const timestamp = { type: "string", format: "date-time" };
const configHashField = { type: "string", pattern: "^[0-9a-f]{64}$", description: "sha256 of the media-node config" };

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
    currentImage: { type: "string", description: "image the fleet (stable Deployment) runs now" },
    currentConfigHash: configHashField,
    lastGoodImage: { type: "string", description: "image of the last revision that passed the heap analysis" },
    lastGoodRevision: {
      type: "object",
      required: ["image", "configHash", "promotedAt"],
      description: "the last revision (image + config) that passed the heap analysis; the fleet runs it",
      properties: {
        image: { type: "string" },
        configHash: configHashField,
        promotedAt: timestamp,
        fixedBytes: { type: "number" },
        bytesPerViewer: { type: "number" },
      },
    },
    analysis: {
      type: "object",
      required: ["image", "phase"],
      description: "the analysis of the newest revision (canary against a fresh baseline of the last good one)",
      properties: {
        image: { type: "string" },
        configHash: configHashField,
        phase: { type: "string", enum: [...ANALYSIS_PHASES] },
        reason: { type: "string", maxLength: 128 },
        mode: { type: "string", enum: ["canary", "bake"] },
        startedAt: timestamp,
        readyAt: timestamp,
        finishedAt: timestamp,
        samples: { type: "integer", minimum: 0 },
        heapInuseBytes: bytes,
        baselineHeapInuseBytes: bytes,
        regressionPercent: { type: "number" },
        message: { type: "string", maxLength: 4096 },
        topGrowth,
        points: {
          type: "array",
          maxItems: 240,
          description: "memory (heap after GC + external) and viewers of canary and baseline per scrape round",
          items: {
            type: "object",
            required: ["t", "canaryBytes", "baselineBytes"],
            properties: {
              t: { type: "number" },
              canaryBytes: { type: "number" },
              canaryViewers: { type: "integer", minimum: 0 },
              baselineBytes: { type: "number" },
              baselineViewers: { type: "integer", minimum: 0 },
            },
          },
        },
      },
    },
    rejectedImages: {
      type: "array",
      maxItems: 50,
      description: "revisions (image + configHash) rolled back; never deployed again unless the spec names another revision or mediafleet.io/retry is set",
      items: {
        type: "object",
        required: ["image", "reason", "at"],
        properties: {
          image: { type: "string" },
          configHash: configHashField,
          reason: { type: "string" },
          message: { type: "string", maxLength: 4096 },
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

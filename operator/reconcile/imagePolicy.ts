/**
 * The seam between the reconciler and the rollout: before anything is applied, the policy
 * decides what each Deployment runs (the fleet may stay on the last good revision while a
 * canary and a baseline run beside it), may own some conditions and status fields, and may
 * ask to be called again later (scrape interval). The default runs the spec and owns nothing;
 * the operator uses operator/rollout/policy.ts.
 */
import type { MediaServer, MediaServerSpec, MediaServerStatus } from "../api/types.js";
import type { Layout } from "../desired/index.js";
import type { ConditionInput } from "./conditions.js";

export interface ImageDecision {
  layout: Layout;
  /** Conditions the policy owns; they replace the reconciler's of the same type. */
  conditions?: ConditionInput[];
  /** Status fields the policy owns (analysis, lastGoodImage, lastGoodRevision, rejectedImages). */
  status?: Pick<MediaServerStatus, "analysis" | "lastGoodImage" | "lastGoodRevision" | "rejectedImages">;
  /** Events to emit (the policy decides when something is a transition). */
  events?: Array<{ type: "Normal" | "Warning"; reason: string; note: string }>;
  /** Remove the mediafleet.io/retry annotation: the analysis it asked for has started. */
  consumeRetry?: boolean;
  requeueAfterMs?: number;
}

export interface ImagePolicyInput {
  ms: MediaServer;
  /** The validated spec with defaults filled in. */
  spec: MediaServerSpec;
}

export interface ImagePolicy {
  decide(input: ImagePolicyInput): ImageDecision | Promise<ImageDecision>;
  /** The MediaServer is gone: drop whatever the policy keeps about it. */
  forget?(namespace: string, name: string): void;
}

export const specImagePolicy: ImagePolicy = {
  decide: ({ spec }) => ({ layout: { stable: { image: spec.image } } }),
};

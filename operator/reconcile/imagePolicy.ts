/**
 * The seam for the rollback/analysis feature: before anything is applied, the policy decides
 * which image the Deployment runs (it may pin lastGoodImage instead of spec.image), may own
 * some conditions (e.g. Degraded/RolledBack) and status fields, and may ask to be called
 * again later (scrape interval). The default runs spec.image and owns nothing.
 */
import type { MediaServer, MediaServerSpec, MediaServerStatus } from "../api/types.js";
import type { ConditionInput } from "./conditions.js";
import type { DeploymentObservation } from "./status.js";

export interface ImageDecision {
  image: string;
  /** Conditions the policy owns; they replace the reconciler's of the same type. */
  conditions?: ConditionInput[];
  /** Status fields the policy owns (analysis, lastGoodImage, rejectedImages). */
  status?: Pick<MediaServerStatus, "analysis" | "lastGoodImage" | "rejectedImages">;
  /** Events to emit (the policy decides when something is a transition). */
  events?: Array<{ type: "Normal" | "Warning"; reason: string; note: string }>;
  requeueAfterMs?: number;
}

export interface ImagePolicyInput {
  ms: MediaServer;
  /** The validated spec with defaults filled in. */
  spec: MediaServerSpec;
  /** The Deployment as cached, if any. */
  deployment?: DeploymentObservation & { spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } };
}

export interface ImagePolicy {
  decide(input: ImagePolicyInput): ImageDecision | Promise<ImageDecision>;
  /** The MediaServer is gone: drop whatever the policy keeps about it. */
  forget?(namespace: string, name: string): void;
}

export const specImagePolicy: ImagePolicy = {
  decide: ({ spec }) => ({ image: spec.image }),
};

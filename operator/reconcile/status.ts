/**
 * MediaServer status from what one reconcile saw (pure). Conditions:
 * - Available: True when the Deployment reports minimum availability (or is scaled to zero).
 * - Progressing: True while the Deployment rolls out (new generation not observed, pods not all
 *   updated and available); False with RolloutComplete once it has settled. True means "work
 *   in flight", as in kstatus, so `kubectl wait --for=condition=Progressing=false` works.
 * - Degraded: True for an invalid spec (nothing applied) or a failed apply; False otherwise.
 * Fields the analysis layer owns (lastGoodImage, analysis, rejectedImages) pass through.
 */
import { ConditionReasons, ConditionTypes } from "../api/conditions.js";
import type { MediaServerStatus } from "../api/types.js";
import { setConditions, type ConditionInput } from "./conditions.js";

export interface DeploymentObservation {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export type ReconcileObservation =
  | { kind: "invalid"; message: string; deployment?: DeploymentObservation; desiredReplicas?: number }
  | { kind: "applied"; image: string; deployment?: DeploymentObservation; desiredReplicas: number }
  | { kind: "failed"; message: string; image?: string; deployment?: DeploymentObservation; desiredReplicas: number };

export function availableCondition(deployment: DeploymentObservation | undefined, desiredReplicas: number): ConditionInput {
  const ready = deployment?.status?.readyReplicas ?? 0;
  if (desiredReplicas === 0) return { type: ConditionTypes.Available, status: "True", reason: ConditionReasons.ScaledToZero, message: "scaled to zero replicas" };
  if (!deployment) return { type: ConditionTypes.Available, status: "False", reason: ConditionReasons.ReplicasUnavailable, message: "Deployment not created yet" };
  const available = deployment.status?.conditions?.find((c) => c.type === "Available")?.status === "True";
  return available
    ? { type: ConditionTypes.Available, status: "True", reason: ConditionReasons.MinimumReplicasAvailable, message: `${ready}/${desiredReplicas} replicas ready` }
    : { type: ConditionTypes.Available, status: "False", reason: ConditionReasons.ReplicasUnavailable, message: `${ready}/${desiredReplicas} replicas ready` };
}

export function rolloutInProgress(deployment: DeploymentObservation, desiredReplicas: number): boolean {
  const status = deployment.status ?? {};
  const generation = deployment.metadata.generation ?? 0;
  return (
    (status.observedGeneration ?? 0) < generation ||
    (status.updatedReplicas ?? 0) < desiredReplicas ||
    (status.replicas ?? 0) > (status.updatedReplicas ?? 0) ||
    (status.availableReplicas ?? 0) < desiredReplicas
  );
}

export function progressingCondition(deployment: DeploymentObservation | undefined, desiredReplicas: number): ConditionInput {
  if (!deployment) return { type: ConditionTypes.Progressing, status: "True", reason: ConditionReasons.Reconciling, message: "creating the Deployment" };
  const s = deployment.status ?? {};
  const detail = `${s.updatedReplicas ?? 0}/${desiredReplicas} updated, ${s.availableReplicas ?? 0} available`;
  return rolloutInProgress(deployment, desiredReplicas)
    ? { type: ConditionTypes.Progressing, status: "True", reason: ConditionReasons.RolloutInProgress, message: detail }
    : { type: ConditionTypes.Progressing, status: "False", reason: ConditionReasons.RolloutComplete, message: detail };
}

function conditionsFor(observation: ReconcileObservation): ConditionInput[] {
  const replicas = observation.desiredReplicas ?? observation.deployment?.spec?.replicas ?? 0;
  switch (observation.kind) {
    case "invalid":
      return [
        availableCondition(observation.deployment, replicas),
        { type: ConditionTypes.Progressing, status: "False", reason: ConditionReasons.InvalidSpec, message: "spec is invalid; nothing was applied" },
        { type: ConditionTypes.Degraded, status: "True", reason: ConditionReasons.InvalidSpec, message: observation.message },
      ];
    case "failed":
      return [
        availableCondition(observation.deployment, replicas),
        progressingCondition(observation.deployment, replicas),
        { type: ConditionTypes.Degraded, status: "True", reason: ConditionReasons.ReconcileError, message: observation.message },
      ];
    case "applied":
      return [
        availableCondition(observation.deployment, replicas),
        progressingCondition(observation.deployment, replicas),
        { type: ConditionTypes.Degraded, status: "False", reason: ConditionReasons.AsExpected, message: "all objects applied" },
      ];
  }
}

export interface StatusInput {
  current: MediaServerStatus | undefined;
  generation: number | undefined;
  observation: ReconcileObservation;
  selector: string;
  nowIso: string;
  /** Conditions another policy owns (the image policy's Degraded/RolledBack...): they win over computed ones of the same type. */
  overrides?: readonly ConditionInput[];
}

export function computeStatus({ current, generation, observation, selector, nowIso, overrides = [] }: StatusInput): MediaServerStatus {
  const overridden = new Set(overrides.map((c) => c.type));
  const inputs = [...conditionsFor(observation).filter((c) => !overridden.has(c.type)), ...overrides];
  const deployment = observation.deployment;
  const image = observation.kind === "invalid" ? current?.currentImage : observation.image ?? current?.currentImage;
  const next: MediaServerStatus = {
    ...current,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    replicas: deployment?.status?.replicas ?? 0,
    readyReplicas: deployment?.status?.readyReplicas ?? 0,
    selector,
    conditions: setConditions(current?.conditions, inputs, generation, nowIso),
  };
  if (image !== undefined) next.currentImage = image;
  return next;
}

/**
 * The JSON merge patch (RFC 7386) that turns `current` into `next`: a merge patch merges nested
 * objects, so a field `next` no longer has must be sent as null or it would survive on the
 * server (a new analysis would keep the previous one's readyAt, topGrowth...). Arrays are
 * replaced whole, as merge patches do.
 */
export function mergePatchOf(current: unknown, next: unknown): unknown {
  if (!isPlainObject(current) || !isPlainObject(next)) return next;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    patch[key] = mergePatchOf(current[key], value);
  }
  for (const key of Object.keys(current)) {
    if (current[key] !== undefined && (next[key] === undefined || !Object.hasOwn(next, key))) patch[key] = null;
  }
  return patch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

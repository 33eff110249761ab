/**
 * Condition types, condition reasons and event reasons: the one place they are spelled.
 * One reason per transition, so `kubectl get events` and alerts can tell them apart.
 */
export const ConditionTypes = {
  Available: "Available",
  Progressing: "Progressing",
  Degraded: "Degraded",
} as const;
export type ConditionType = (typeof ConditionTypes)[keyof typeof ConditionTypes];

export const ConditionReasons = {
  // Available
  MinimumReplicasAvailable: "MinimumReplicasAvailable",
  ReplicasUnavailable: "ReplicasUnavailable",
  ScaledToZero: "ScaledToZero",
  // Progressing
  Reconciling: "Reconciling",
  RolloutInProgress: "RolloutInProgress",
  AnalysisRunning: "AnalysisRunning",
  AnalysisPassed: "AnalysisPassed",
  RolloutComplete: "RolloutComplete",
  // Degraded
  HeapRegression: "HeapRegression",
  RolledBack: "RolledBack",
  InsufficientData: "InsufficientData",
  ImageRejected: "ImageRejected",
  ReconcileError: "ReconcileError",
  InvalidSpec: "InvalidSpec",
  AsExpected: "AsExpected",
} as const;
export type ConditionReason = (typeof ConditionReasons)[keyof typeof ConditionReasons];

export const EventReasons = {
  AnalysisStarted: "AnalysisStarted",
  Promoted: "Promoted",
  HeapRegression: "HeapRegression",
  RolledBack: "RolledBack",
  ScrapeFailed: "ScrapeFailed",
  InvalidSpec: "InvalidSpec",
  ReconcileError: "ReconcileError",
  Applied: "Applied",
  /** Objects made for a MediaServer for the first time. */
  Created: "Created",
  /** Objects whose content changed because the MediaServer did. */
  Updated: "Updated",
  /** Objects no revision needs any more (a finished canary/baseline, an unused config). */
  Deleted: "Deleted",
} as const;
export type EventReason = (typeof EventReasons)[keyof typeof EventReasons];

/** A condition as computed, before bookkeeping adds lastTransitionTime and observedGeneration. */
export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export type ConditionStatus = ConditionInput["status"];

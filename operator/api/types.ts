/**
 * The MediaServer resource as TypeScript sees it (group mediafleet.io, version v1alpha1).
 * The shape is guaranteed by `mediaServerSpecSchema` / `mediaServerStatusSchema` in
 * ./schema.ts; after `normalizeSpec()` (or the API server's defaulting) every field that has
 * a default is present, which `MediaServerSpec` expresses by making those fields required.
 */
import type { IceServer, MdnsMode, NackMode, PathConfig, WebrtcConfig } from "../../media-node/config/types.js";
import type { ConditionReason, ConditionType } from "./conditions.js";

export const GROUP = "mediafleet.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "MediaServer";
export const PLURAL = "mediaservers";
export const SINGULAR = "mediaserver";
export const SHORT_NAME = "msrv";
export const CATEGORY = "mediafleet";
export const CRD_NAME = `${PLURAL}.${GROUP}`;

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const NORMALIZE_BY = ["viewers", "none"] as const;
export type NormalizeBy = (typeof NORMALIZE_BY)[number];

export const ANALYSIS_PHASES = ["Running", "Passed", "Failed", "Inconclusive"] as const;
export type AnalysisPhase = (typeof ANALYSIS_PHASES)[number];

/** `PathConfig` is a path as the media node reads it (the rendered ConfigMap); `MediaServerPath` as a MediaServer writes it. */
export type { IceServer, MdnsMode, NackMode, PathConfig, WebrtcConfig };

/** A resource quantity as Kubernetes writes it: "500m", "256Mi", or a bare number. */
export type Quantity = string | number;

export interface ResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

export interface SecretKeyRef {
  name: string;
  key: string;
}

/**
 * Token fields of a media-node path that a MediaServer never carries: a token in the spec would
 * sit in the CR and in the revision's ConfigMap, and a rollback would bring a revoked one back.
 * The CRD keeps them only to refuse them by name (an unknown field would be pruned silently).
 */
export const INLINE_TOKEN_FIELDS = ["publishToken", "readToken", "publishTokenFile", "readTokenFile"] as const;
export type InlineTokenField = (typeof INLINE_TOKEN_FIELDS)[number];

/** A path of a MediaServer: the media node's path, its tokens named by Secret (the operator mounts them as files). */
export interface MediaServerPath extends Omit<PathConfig, InlineTokenField> {
  /** `key` defaults to "token". */
  publishTokenSecret?: SecretKeyRef;
  readTokenSecret?: SecretKeyRef;
}

export interface ProfilingSpec {
  /** Port of the pprof listener (container port named `pprof`); 9999 by default. */
  port: number;
  /** When set, the pprof endpoints require this bearer token (env MEDIA_NODE_PPROF_TOKEN). */
  tokenSecret?: SecretKeyRef;
}

/**
 * Who may reach a pod's metrics and pprof ports besides the operator: the NetworkPolicy the
 * operator renders for each MediaServer admits these namespaces' pods (and the operator's own
 * namespace) to them; WHIP/WHEP, ICE and RTP ingest stay open to everyone.
 */
export interface ObservabilitySpec {
  /** Namespace names, e.g. where Prometheus runs; [] by default. */
  allowedNamespaces: string[];
}

export interface ServiceSpec {
  type: ServiceType;
  annotations?: Record<string, string>;
}

export interface RollbackSpec {
  enabled: boolean;
  maxHeapRegressionPercent: number;
  /** A regression must also exceed this many MiB (no verdict on noise). */
  minRegressionMiB: number;
  /** Durations are Go-style strings ("30s", "5m"); parse with `parseDuration` from common/duration.ts. */
  interval: string;
  window: string;
  minSamples: number;
  bakeTime: string;
  progressDeadline: string;
  normalizeBy: NormalizeBy;
}

export interface MediaServerSpec {
  image: string;
  replicas: number;
  webrtc: WebrtcConfig;
  paths: MediaServerPath[];
  service: ServiceSpec;
  hostNetwork: boolean;
  resources?: ResourceRequirements;
  profiling: ProfilingSpec;
  observability: ObservabilitySpec;
  rollback: RollbackSpec;
}

/** What a user may write: every defaulted field optional, nested ones too. */
export type MediaServerSpecInput = DeepPartial<MediaServerSpec> & { image: string };
type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** One allocation site whose in-use heap grew, from a pprof diff. */
export interface HeapGrowth {
  /** Function name of the allocation site (leaf frame, or the first frame outside node internals). */
  function: string;
  /** "file:line" when the profile has it. */
  location?: string;
  baselineBytes: number;
  currentBytes: number;
  growthBytes: number;
}

/** A revision: everything that shapes a pod's memory (image + media-node config), never credentials. */
export interface RevisionRef {
  image: string;
  /** sha256 of the media-node config (the content-addressed ConfigMap <name>-config-<hash[:10]>). */
  configHash: string;
}

export interface LastGoodRevision extends RevisionRef {
  promotedAt: string;
  /** Memory model of the revision when it was promoted (bytes ≈ fixed + perViewer·viewers): the history's second opinion. */
  fixedBytes?: number;
  bytesPerViewer?: number;
}

/** One scrape round of the canary and the baseline (t: seconds since both were Ready). */
export interface AnalysisPoint {
  t: number;
  canaryBytes: number;
  canaryViewers: number;
  baselineBytes: number;
  baselineViewers: number;
}

export interface AnalysisStatus {
  image: string;
  configHash?: string;
  phase: AnalysisPhase;
  /** Why the phase is what it is (HeapRegression, HeapGrowth, CanaryCrashed, InsufficientData, ...). */
  reason?: string;
  /** "canary" (against a fresh baseline) or "bake" (first revision: nothing to compare with). */
  mode?: "canary" | "bake";
  startedAt?: string;
  /** When the canary and the baseline were both Ready (the comparison's t = 0). */
  readyAt?: string;
  finishedAt?: string;
  samples: number;
  heapInuseBytes?: number;
  baselineHeapInuseBytes?: number;
  regressionPercent?: number;
  message?: string;
  topGrowth?: HeapGrowth[];
  /** The series the verdict was computed from (bounded), so an operator restart continues the same analysis. */
  points?: AnalysisPoint[];
}

export interface RejectedImage {
  image: string;
  configHash?: string;
  reason: string;
  message?: string;
  at: string;
  heapInuseBytes?: number;
  baselineHeapInuseBytes?: number;
  regressionPercent?: number;
  topGrowth?: HeapGrowth[];
}

export interface Condition {
  type: ConditionType | string;
  status: "True" | "False" | "Unknown";
  reason: ConditionReason | string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface MediaServerStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  /** Label selector string for the scale subresource (`selectorString(name)` in operator/desired). */
  selector?: string;
  currentImage?: string;
  currentConfigHash?: string;
  lastGoodImage?: string;
  lastGoodRevision?: LastGoodRevision;
  analysis?: AnalysisStatus;
  rejectedImages?: RejectedImage[];
  conditions?: Condition[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface MediaServer {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MediaServerSpec;
  status?: MediaServerStatus;
}

/** Annotation a user sets (any value) to allow a rejected image to be tried again. */
export const RETRY_ANNOTATION = "mediafleet.io/retry";

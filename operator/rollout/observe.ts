/**
 * What the rollout needs to know about a pod, read from the Pod object (pure): its role and
 * revision (labels), readiness, restarts and OOM kills, and where to scrape it.
 */
import type { PodRole } from "../analysis/types.js";
import { REVISION_LABEL, ROLE_LABEL } from "../desired/index.js";

export interface PodObservation {
  name: string;
  role?: PodRole;
  revision?: string;
  ready: boolean;
  deleting: boolean;
  ip?: string;
  startMs?: number;
  restarts: number;
  /** The container was OOM-killed at least once (now or in its last state). */
  oomKilled: boolean;
  /** Waiting in CrashLoopBackOff, or terminated with an error. */
  crashing: boolean;
  metricsPort: number;
  pprofPort: number;
}

interface PodLike {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort?: number }> }> };
  status?: {
    podIP?: string;
    startTime?: string;
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      restartCount?: number;
      state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
      lastState?: { terminated?: { reason?: string } };
    }>;
  };
}

const ROLES = new Set<PodRole>(["stable", "canary", "baseline"]);

export function observePod(pod: PodLike, defaults: { metricsPort: number; pprofPort: number }): PodObservation {
  const labels = pod.metadata.labels ?? {};
  const role = labels[ROLE_LABEL];
  const statuses = pod.status?.containerStatuses ?? [];
  const ports = pod.spec?.containers?.[0]?.ports ?? [];
  const port = (name: string, fallback: number) => ports.find((p) => p.name === name)?.containerPort ?? fallback;
  const startMs = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
  return {
    name: pod.metadata.name,
    ...(role && ROLES.has(role as PodRole) ? { role: role as PodRole } : {}),
    ...(labels[REVISION_LABEL] ? { revision: labels[REVISION_LABEL] } : {}),
    ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    deleting: pod.metadata.deletionTimestamp !== undefined,
    ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
    ...(startMs !== undefined && Number.isFinite(startMs) ? { startMs } : {}),
    restarts: statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    oomKilled: statuses.some((c) => c.state?.terminated?.reason === "OOMKilled" || c.lastState?.terminated?.reason === "OOMKilled"),
    crashing: statuses.some((c) => c.state?.waiting?.reason === "CrashLoopBackOff" || (c.state?.terminated !== undefined && c.state.terminated.exitCode !== 0)),
    metricsPort: port("metrics", defaults.metricsPort),
    pprofPort: port("pprof", defaults.pprofPort),
  };
}

/**
 * How the media container runs besides its config (pure): its command and, when the MediaServer
 * names no memory, the memory it requests and is limited to.
 *
 * A media node's resident memory is mostly V8's young generation, sized by the allocation rate of
 * the per-packet path and by the host, not by live data (README "Memory a pod limit sees"). A 4 MiB
 * semi-space measured best on RSS and CPU, but it is not set: with it the rollout analyses of the
 * e2e suite ran no major GC in their window, and the node's heap reading only moves at major GCs,
 * so they ended Inconclusive. Until that reading stops depending on V8's GC cadence the node runs
 * with V8's own young generation, and the memory default is sized for it.
 *
 * A running revision keeps the memory it started with (`keepRunningRuntime`): an operator
 * upgrade that changes these defaults restarts no media pod; they apply from the next rollout.
 */
import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import type { ResourceRequirements } from "../api/types.js";
import type { RevisionSpec } from "./config.js";
import { REVISION_LABEL } from "./revision.js";

/** Entry point inside the image; the local kubelet in test/sim runs the same path from the build. */
export const MEDIA_NODE_COMMAND = ["node", "/app/dist/media-node/main.js"];

/**
 * Resident memory of a media node with V8's own young generation while media flows (`npm run
 * bench:fanout`, shared NACK, 250 packets/s, 24 GiB host): 220 / 231 / 332 / 361 MB at 50 / 100 /
 * 150 / 200 viewers, the young generation growing to 128 MiB committed on the way. Modelled as
 * 264 MiB (136 idle + that young generation) + 384 KiB per viewer, at or above every reading.
 * With `nack.mode: perViewer` each viewer also keeps its own history, ~2.5 KiB per packet of
 * `historyPackets` in the heap (`npm run bench:heap`: 1262-1288 KB per viewer at 512).
 */
export const MEDIA_NODE_RSS = { baseMiB: 264, perViewerKiB: 384, perViewerHistoryKiBPerPacket: 2.5 } as const;

/**
 * Viewers one pod is sized for at most: one event loop forwards to 150-200 viewers at 250 packets/s
 * before loss sets in (bench:fanout, 2 cores), so memory for maxSessions (default 1000) viewers
 * would be reserved and never touched.
 */
export const VIEWERS_PER_POD_CEILING = 300;

/**
 * The limit is twice the request: room for connect bursts, and for a leaking revision to be seen
 * by the heap analysis and rolled back (a canary holds few viewers) before the kernel kills it.
 */
export const MEMORY_LIMIT_FACTOR = 2;

const roundUpMiB = (mib: number, step = 16) => Math.ceil(mib / step) * step;

/** How many viewers a pod is sized for: the paths' maxViewers, bounded by webrtc.maxSessions and the ceiling one pod serves. */
export function viewerCapacity(spec: Pick<RevisionSpec, "webrtc" | "paths">): number {
  let viewers = 0;
  for (const path of spec.paths) viewers += path.maxViewers !== undefined && path.maxViewers > 0 ? path.maxViewers : Number.POSITIVE_INFINITY;
  return Math.min(viewers, spec.webrtc.maxSessions, VIEWERS_PER_POD_CEILING);
}

/** Memory request (RSS at that many viewers) and limit, in MiB. */
export function memoryFor(viewers: number, nack: Pick<RevisionSpec["webrtc"]["nack"], "mode" | "historyPackets">): { requestMiB: number; limitMiB: number } {
  const history = nack.mode === "perViewer" ? MEDIA_NODE_RSS.perViewerHistoryKiBPerPacket * nack.historyPackets : 0;
  const rss = MEDIA_NODE_RSS.baseMiB + ((MEDIA_NODE_RSS.perViewerKiB + history) * viewers) / 1024;
  const requestMiB = roundUpMiB(rss);
  return { requestMiB, limitMiB: roundUpMiB(requestMiB * MEMORY_LIMIT_FACTOR) };
}

const namesMemory = (resources: ResourceRequirements | undefined) => resources?.requests?.memory !== undefined || resources?.limits?.memory !== undefined;

/** The user's resources as written when they name memory; otherwise theirs plus the measured memory default. */
export function containerResources(spec: Pick<RevisionSpec, "webrtc" | "paths" | "resources">): V1Container["resources"] {
  const own = spec.resources;
  if (namesMemory(own)) return structuredClone(own) as V1Container["resources"];
  const { requestMiB, limitMiB } = memoryFor(viewerCapacity(spec), spec.webrtc.nack);
  return {
    ...(structuredClone(own) ?? {}),
    requests: { ...own?.requests, memory: `${requestMiB}Mi` },
    limits: { ...own?.limits, memory: `${limitMiB}Mi` },
  } as V1Container["resources"];
}

/**
 * `desired` with the command and the memory of the Deployment already running the same revision,
 * so operator-chosen runtime defaults change no running pod; resources the user names are applied
 * as always. A new revision (image or config) starts with the current defaults.
 */
export function keepRunningRuntime(desired: V1Deployment, live: V1Deployment | undefined, spec: Pick<RevisionSpec, "resources">): V1Deployment {
  const revision = (d: V1Deployment | undefined) => d?.spec?.template.metadata?.labels?.[REVISION_LABEL];
  const liveContainer = live?.spec?.template.spec?.containers[0];
  if (!liveContainer || revision(live) === undefined || revision(live) !== revision(desired)) return desired;
  const out = structuredClone(desired);
  const container = out.spec!.template.spec!.containers[0]!;
  if (liveContainer.command) container.command = [...liveContainer.command];
  if (!namesMemory(spec.resources)) {
    // the memory default stays as the pods run it; the rest of the resources (the user's) as desired
    const memoryOf = (side: "requests" | "limits") => {
      const rest: Record<string, unknown> = { ...container.resources?.[side] };
      delete rest.memory;
      const kept = liveContainer.resources?.[side]?.memory;
      if (kept !== undefined) rest.memory = kept;
      return Object.keys(rest).length > 0 ? { [side]: rest } : {};
    };
    const resources = { ...memoryOf("requests"), ...memoryOf("limits") };
    if (Object.keys(resources).length > 0) container.resources = resources as V1Container["resources"];
    else delete container.resources;
  }
  return out;
}

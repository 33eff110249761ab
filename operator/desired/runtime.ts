/**
 * How the media container runs besides its config (pure): the V8 young generation it starts
 * with and, when the MediaServer names no memory, the memory it requests and is limited to.
 *
 * Why both are set here: a media node's resident memory is mostly V8's young generation, sized by
 * the allocation rate of the per-packet path, not by live data (README "Memory a pod limit sees").
 * Left to V8, the young generation follows the machine's memory (128 MiB committed on a 24 GiB
 * host) and, inside a memory-limited container, the limit (smaller, more GC work per packet):
 * the same image would cost different CPU on different nodes. A fixed semi-space makes RSS and
 * CPU per packet predictable, and the memory default follows from RSS at the viewers the pods
 * may hold.
 *
 * A running revision keeps the runtime it started with (`keepRunningRuntime`): an operator
 * upgrade that changes these defaults restarts no media pod; they apply from the next rollout.
 */
import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import type { ResourceRequirements } from "../api/types.js";
import type { RevisionSpec } from "./config.js";
import { REVISION_LABEL } from "./revision.js";

/**
 * V8's semi-space for the media node, MiB (new space = 2 semi-spaces). Swept 2..32 and V8's own
 * choice (64 on the bench host) over 50..200 viewers, twice each: 4 held the lowest RSS but for 2
 * (140-154 MB against V8's 220-361), the lowest CPU per packet and the only 0 % loss at 200; 2 lost
 * 11 % at 200 (more promotion, more old-space GC). README "Memory a pod limit sees".
 */
export const MEDIA_NODE_SEMI_SPACE_MIB = 4;

/** Entry point inside the image; the local kubelet in test/sim runs the same path from the build. */
export const MEDIA_NODE_COMMAND = ["node", `--max-semi-space-size=${MEDIA_NODE_SEMI_SPACE_MIB}`, "/app/dist/media-node/main.js"];

/**
 * Resident memory of a media node with that semi-space while media flows (`npm run bench:fanout
 * -- --node-options --max-semi-space-size=4`, shared NACK, 250 packets/s): fitted 129-131 MiB +
 * 82-96 KiB per viewer; rounded up here to cover the peak (VmHWM) and real clients' RTCP.
 * With `nack.mode: perViewer` each viewer also keeps its own history, ~2.5 KiB per packet of
 * `historyPackets` in the heap (`npm run bench:heap`: 1262-1288 KB per viewer at 512).
 */
export const MEDIA_NODE_RSS = { baseMiB: 136, perViewerKiB: 128, perViewerHistoryKiBPerPacket: 2.5 } as const;

/**
 * The limit is twice the request: room for connect bursts, and for a leaking revision to be seen
 * by the heap analysis and rolled back (a canary holds few viewers) before the kernel kills it.
 */
export const MEMORY_LIMIT_FACTOR = 2;

const roundUpMiB = (mib: number, step = 16) => Math.ceil(mib / step) * step;

/** How many viewers the pods may hold at once: the paths' maxViewers, bounded by webrtc.maxSessions. */
export function viewerCapacity(spec: Pick<RevisionSpec, "webrtc" | "paths">): number {
  let viewers = 0;
  for (const path of spec.paths) viewers += path.maxViewers !== undefined && path.maxViewers > 0 ? path.maxViewers : Number.POSITIVE_INFINITY;
  return Math.min(viewers, spec.webrtc.maxSessions);
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

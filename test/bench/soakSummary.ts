/**
 * What the soak reads from the node and what it reports (pure): one sample per scrape of the
 * node's /metrics, the heap points the verdict fits, the progress line, the summary and its
 * markdown table. 1 MB = 10^6 bytes.
 */
import type { MetricsSnapshot } from "../e2e/support/metrics.js";
import { heapSlope, type HeapPoint, type SlopeEstimate } from "./soakVerdict.js";
import { percentile, round } from "./stats.js";
import type { LeaveKind } from "./soakChurn.js";

export const WHEP_CREATE = { route: "POST /{path}/whep", status: "201" } as const;

export interface SoakSample {
  /** Seconds since the soak started. */
  t: number;
  viewers: Record<string, number>;
  /** mediafleet_heap_after_gc_bytes: after the last major GC (current usage before the first). */
  heapAfterGc: number;
  externalAfterGc: number;
  heapAfterGcAgeS: number;
  majorGcs: number;
  rss: number;
  /** V8's committed heap, all spaces, and its new space alone (sized by the allocation rate): what RSS holds besides the live heap. */
  heapTotal: number;
  newSpace: number;
  /** Bytes in use per V8 heap space now (garbage since the last GC included; old/code/trusted grow only by what survives). */
  spacesUsed: Record<string, number>;
  /** The node's event-loop p99 since the previous scrape (prom-client resets it per scrape). */
  loopP99Ms: number;
  peerConnections: number;
  /** Viewer sessions the node created (201 to a WHEP POST) and ended, so far. */
  sessionsStarted: number;
  sessionsEnded: number;
  endedBy: Record<string, number>;
  /** mediafleet_viewer_fraction_lost per path, 0..1 (paths with no reporting viewer absent). */
  loss: Record<string, { mean: number; max: number }>;
  nackRequests: number;
  retransmitted: number;
  /** NACKed packets the node no longer (or never) had. */
  nackMisses: number;
  sourceRestarts: number;
  /** The node's CPU (user + system) so far, seconds. */
  cpuSeconds: number;
  /** The machine's 1-minute load average (other engineers' work shares these cores). */
  load1: number;
}

export function sampleOf(m: MetricsSnapshot, t: number, load1: number): SoakSample {
  const endedBy: Record<string, number> = {};
  const loss: Record<string, { mean: number; max: number }> = {};
  for (const s of m.samples) {
    if (s.name === "mediafleet_sessions_ended_total" && s.labels.kind === "viewer") endedBy[s.labels.reason ?? "?"] = (endedBy[s.labels.reason ?? "?"] ?? 0) + s.value;
    if (s.name === "mediafleet_viewer_fraction_lost" && s.labels.path && (s.labels.stat === "mean" || s.labels.stat === "max")) {
      (loss[s.labels.path] ??= { mean: 0, max: 0 })[s.labels.stat] = s.value;
    }
  }
  return {
    t,
    viewers: m.byLabel("mediafleet_viewers", "path"),
    heapAfterGc: m.sum("mediafleet_heap_after_gc_bytes"),
    externalAfterGc: m.sum("mediafleet_external_after_gc_bytes"),
    heapAfterGcAgeS: m.sum("mediafleet_heap_after_gc_age_seconds"),
    majorGcs: m.sum("mediafleet_major_gcs_total"),
    rss: m.sum("process_resident_memory_bytes"),
    heapTotal: m.sum("nodejs_heap_size_total_bytes"),
    newSpace: m.sum("nodejs_heap_space_size_total_bytes", { space: "new" }),
    spacesUsed: m.byLabel("nodejs_heap_space_size_used_bytes", "space"),
    loopP99Ms: m.sum("nodejs_eventloop_lag_p99_seconds") * 1000,
    peerConnections: m.sum("mediafleet_werift_peer_connections"),
    sessionsStarted: m.sum("mediafleet_http_requests_total", WHEP_CREATE),
    sessionsEnded: Object.values(endedBy).reduce((a, b) => a + b, 0),
    endedBy,
    loss,
    nackRequests: m.sum("mediafleet_nack_requests_total"),
    retransmitted: m.sum("mediafleet_rtp_retransmitted_packets_total"),
    nackMisses: m.sum("mediafleet_nack_misses_total"),
    sourceRestarts: m.sum("mediafleet_source_restarts_total"),
    cpuSeconds: m.sum("process_cpu_seconds_total"),
    load1,
  };
}

export const totalViewers = (s: SoakSample): number => Object.values(s.viewers).reduce((a, b) => a + b, 0);

/**
 * One point per major GC the scrapes saw, from the first one on: before it the gauge is the
 * current heap, garbage included; between two GCs it repeats the same reading, which would
 * count one measurement many times. Timed when the GC ran (scrape time minus the reading's age).
 */
export function heapPoints(samples: readonly SoakSample[]): HeapPoint[] {
  const points: HeapPoint[] = [];
  let seen = 0;
  for (const s of samples) {
    if (s.majorGcs < 1 || s.majorGcs <= seen) continue;
    seen = s.majorGcs;
    points.push({ t: s.t - s.heapAfterGcAgeS, bytes: s.heapAfterGc, viewers: totalViewers(s) });
  }
  return points;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const clock = (s: number) => `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

/** The line printed every ~30 s: `recent` are the samples since the previous line. */
export function progressLine(recent: readonly SoakSample[]): string {
  const s = recent.at(-1);
  if (!s) return "no sample yet";
  const paths = Object.entries(s.viewers).map(([p, n]) => `${p} ${n}`).join(", ");
  const heap = s.majorGcs >= 1 ? `heap after GC ${mb(s.heapAfterGc)} MB (${s.majorGcs} major GCs)` : `heap ${mb(s.heapAfterGc)} MB (no major GC yet)`;
  const loop = Math.max(...recent.map((r) => r.loopP99Ms));
  const first = recent[0]!;
  const cpu = s.t > first.t ? `  CPU ${((100 * (s.cpuSeconds - first.cpuSeconds)) / (s.t - first.t)).toFixed(0)} %` : "";
  return `${clock(s.t)}  viewers ${totalViewers(s)} (${paths})  sessions ${s.sessionsStarted} started ${s.sessionsEnded} ended  ${heap}  RSS ${mb(s.rss)} MB  loop p99 ${loop.toFixed(1)} ms${cpu}  load ${s.load1.toFixed(1)}`;
}

/** One planned viewer as it went. */
export interface ViewerRecord {
  id: string;
  path: string;
  lossy: boolean;
  leave: LeaveKind;
  joinAtS: number;
  created: boolean;
  connected: boolean;
  connectMs: number;
  error?: string;
  received: number;
  expected: number;
  relay?: { rtp: number; dropped: number };
}

export interface PathLoss {
  path: string;
  /** The node's gauge over the run: mean of its per-scrape means, worst of its maxima (%). */
  nodeMeanPercent: number;
  nodeMaxPercent: number;
  /** What viewers still missed after NACK repair, from their own counts (%). */
  cleanResidualPercent: number;
  lossyResidualPercent: number;
  /** Share of the lossy viewers' RTP their relays dropped (%). */
  relayDropPercent: number;
}

export interface SoakSummary {
  minutes: number;
  heap: { points: number; firstMajorGcAtS?: number; firstMb?: number; lastMb?: number; minMb?: number; maxMb?: number; slope?: SlopeEstimate; secondHalf?: SlopeEstimate };
  rssMb: { start: number; end: number; max: number };
  /** At the first and the last churn sample: V8's committed heap, its new space, and external memory after GC (MB). */
  rssParts: Record<"heapTotal" | "newSpace" | "externalAfterGc", { start: number; end: number }>;
  /** Absent in documents written before it was measured. */
  spaces?: ReturnType<typeof spaceGrowth>;
  sessions: { started: number; ended: number; seenByHarness: number; connected: number; failed: number; vanished: number; peakViewers: number; endedBy: Record<string, number> };
  /** From creating a viewer's peer connection to connected (lossy ones through their relay), ms. */
  connectMs: { p50: number; p95: number };
  peerConnections: { end: number; publisher: number };
  loopP99Ms: { median: number; max: number };
  /** The node's CPU over the churn, % of one core, and how often V8 ran a major GC. */
  cpuPercent: number;
  majorGcsPerMin: number;
  loss: PathLoss[];
  nack: { requests: number; retransmitted: number };
  /** seenByNode: restarts the node counted; missedAtS: restarts after which its counter did not move. */
  restarts: { done: number; seenByNode: number; missedAtS: number[] };
  load1: { mean: number; max: number; cpus: number };
}

export interface SummaryInput {
  /** Samples of the churn (the verdict's window), then `final`: after every viewer left. */
  samples: readonly SoakSample[];
  final: SoakSample;
  viewers: readonly ViewerRecord[];
  slope?: SlopeEstimate;
  /** When the RTP source was restarted, seconds. */
  restarts: readonly number[];
  publisherPeerConnections: number;
  cpus: number;
}

/**
 * Where in V8's heap the growth is: per space, the median bytes in use over the first and the
 * last tenth of the samples (medians, because a scrape lands anywhere between two GCs), largest
 * change first. Code and trusted spaces grow by compiled code and its metadata, old space by
 * objects that survive; that tells JIT warm-up from retained objects.
 */
export function spaceGrowth(samples: readonly SoakSample[]): Array<{ space: string; startMb: number; endMb: number }> {
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const medianOf = (part: readonly SoakSample[], space: string) => percentile(part.map((s) => s.spacesUsed?.[space] ?? 0), 50) / 1e6;
  const spaces = [...new Set(samples.flatMap((s) => Object.keys(s.spacesUsed ?? {})))];
  return spaces
    .map((space) => ({ space, startMb: round(medianOf(samples.slice(0, tenth), space), 2), endMb: round(medianOf(samples.slice(-tenth), space), 2) }))
    .sort((a, b) => Math.abs(b.endMb - b.startMb) - Math.abs(a.endMb - a.startMb));
}

/** How long after a restart the node's counter must have moved (scrapes are seconds apart). */
export const RESTART_SEEN_WITHIN_S = 20;

/** The restarts after which mediafleet_source_restarts_total did not move within RESTART_SEEN_WITHIN_S (none judged past the samples' end). */
export function missedRestarts(samples: readonly SoakSample[], restarts: readonly number[]): number[] {
  const counterAt = (t: number) => [...samples].reverse().find((s) => s.t <= t)?.sourceRestarts;
  return restarts.filter((at) => {
    const before = counterAt(at);
    const after = counterAt(at + RESTART_SEEN_WITHIN_S);
    const judged = (samples.at(-1)?.t ?? 0) >= at + RESTART_SEEN_WITHIN_S;
    return judged && before !== undefined && after !== undefined && after <= before;
  });
}

const percent = (part: number, whole: number) => (whole > 0 ? round((100 * part) / whole, 2) : Number.NaN);

function residual(viewers: readonly ViewerRecord[]): number {
  const expected = viewers.reduce((a, v) => a + v.expected, 0);
  return percent(expected - viewers.reduce((a, v) => a + Math.min(v.received, v.expected), 0), expected);
}

export function summarizeSoak(input: SummaryInput): SoakSummary {
  const { samples, final, viewers } = input;
  const first = samples[0] ?? final;
  const last = samples.at(-1) ?? final;
  const points = heapPoints(samples);
  const paths = [...new Set([...viewers.map((v) => v.path), ...samples.flatMap((s) => Object.keys(s.viewers))])].sort();
  const loss = paths.map((path): PathLoss => {
    const gauges = samples.flatMap((s) => (s.loss[path] ? [s.loss[path]] : []));
    const mine = viewers.filter((v) => v.path === path && v.connected);
    const lossy = mine.filter((v) => v.lossy);
    return {
      path,
      nodeMeanPercent: gauges.length ? round((100 * gauges.reduce((a, g) => a + g.mean, 0)) / gauges.length, 2) : Number.NaN,
      nodeMaxPercent: gauges.length ? round(100 * Math.max(...gauges.map((g) => g.max)), 2) : Number.NaN,
      cleanResidualPercent: residual(mine.filter((v) => !v.lossy)),
      lossyResidualPercent: residual(lossy),
      relayDropPercent: percent(lossy.reduce((a, v) => a + (v.relay?.dropped ?? 0), 0), lossy.reduce((a, v) => a + (v.relay?.rtp ?? 0), 0)),
    };
  });
  const firstGc = samples.find((s) => s.majorGcs >= 1);
  // Not judged: tells a slope over the whole run that is warm-up (flat later) from steady growth.
  const secondHalf = heapSlope(points.filter((p) => p.t >= (first.t + last.t) / 2));
  const heapMb = points.map((p) => p.bytes / 1e6);
  const loops = samples.map((s) => s.loopP99Ms);
  const connectTimes = viewers.filter((v) => v.connected).map((v) => v.connectMs);
  return {
    minutes: round((final.t - first.t) / 60, 1),
    heap: {
      points: points.length,
      ...(firstGc ? { firstMajorGcAtS: round(firstGc.t - firstGc.heapAfterGcAgeS, 0) } : {}),
      ...(heapMb.length ? { firstMb: round(heapMb[0]!, 1), lastMb: round(heapMb.at(-1)!, 1), minMb: round(Math.min(...heapMb), 1), maxMb: round(Math.max(...heapMb), 1) } : {}),
      ...(input.slope ? { slope: input.slope } : {}),
      ...(secondHalf ? { secondHalf } : {}),
    },
    rssParts: {
      heapTotal: { start: round(first.heapTotal / 1e6, 1), end: round(last.heapTotal / 1e6, 1) },
      newSpace: { start: round(first.newSpace / 1e6, 1), end: round(last.newSpace / 1e6, 1) },
      externalAfterGc: { start: round(first.externalAfterGc / 1e6, 1), end: round(last.externalAfterGc / 1e6, 1) },
    },
    spaces: spaceGrowth(samples),
    rssMb: { start: round(first.rss / 1e6, 1), end: round(final.rss / 1e6, 1), max: round(Math.max(...samples.map((s) => s.rss), final.rss) / 1e6, 1) },
    sessions: {
      started: final.sessionsStarted,
      ended: final.sessionsEnded,
      seenByHarness: viewers.filter((v) => v.created).length,
      connected: viewers.filter((v) => v.connected).length,
      failed: viewers.filter((v) => !v.connected).length,
      vanished: viewers.filter((v) => v.connected && v.leave === "vanish").length,
      peakViewers: Math.max(0, ...samples.map(totalViewers)),
      endedBy: final.endedBy,
    },
    connectMs: { p50: round(percentile(connectTimes, 50), 0), p95: round(percentile(connectTimes, 95), 0) },
    peerConnections: { end: final.peerConnections, publisher: input.publisherPeerConnections },
    loopP99Ms: { median: round(percentile(loops, 50), 1), max: round(Math.max(0, ...loops), 1) },
    cpuPercent: round((100 * (last.cpuSeconds - first.cpuSeconds)) / Math.max(1e-9, last.t - first.t), 1),
    majorGcsPerMin: round((60 * (last.majorGcs - first.majorGcs)) / Math.max(1e-9, last.t - first.t), 1),
    loss,
    nack: { requests: final.nackRequests - first.nackRequests, retransmitted: final.retransmitted - first.retransmitted },
    restarts: { done: input.restarts.length, seenByNode: final.sourceRestarts - first.sourceRestarts, missedAtS: missedRestarts(samples, input.restarts) },
    load1: { mean: round(samples.reduce((a, s) => a + s.load1, 0) / Math.max(1, samples.length), 1), max: round(Math.max(0, ...samples.map((s) => s.load1)), 1), cpus: input.cpus },
  };
}

const num = (v: number | undefined, unit = "") => (v === undefined || !Number.isFinite(v) ? "n/a" : `${v}${unit}`);
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}` : String(v));

/** The soak as a markdown table (the README's and the console's). */
export function soakTable(s: SoakSummary): string {
  const slopeText = (slope: SlopeEstimate | undefined) =>
    slope
      ? `${signed(slope.kbPerMin)} KB/min, 95 % CI [${signed(slope.ci[0])}, ${signed(slope.ci[1])}] (${slope.points} major GCs; plain OLS [${signed(slope.olsCi[0])}, ${signed(slope.olsCi[1])}], lag-1 ρ ${slope.rho.toFixed(2)})`
      : "n/a (too few readings after major GCs)";
  const rows: Array<[string, string]> = [
    ["heap after GC, slope (judged)", slopeText(s.heap.slope)],
    ["heap after GC, slope over the second half", slopeText(s.heap.secondHalf)],
    ["heap after GC, first → last (min–max)", `${num(s.heap.firstMb)} → ${num(s.heap.lastMb)} MB (${num(s.heap.minMb)}–${num(s.heap.maxMb)}); first major GC at ${num(s.heap.firstMajorGcAtS, " s")}`],
    ["RSS start → end (max)", `${s.rssMb.start} → ${s.rssMb.end} MB (${s.rssMb.max})`],
    [
      "of which V8 heap committed (new space); external after GC",
      `${s.rssParts.heapTotal.start} → ${s.rssParts.heapTotal.end} MB (${s.rssParts.newSpace.start} → ${s.rssParts.newSpace.end}); ${s.rssParts.externalAfterGc.start} → ${s.rssParts.externalAfterGc.end} MB`,
    ],
    ["V8 heap spaces in use, first → last tenth of the run (median)", (s.spaces ?? []).slice(0, 4).map((x) => `${x.space} ${x.startMb} → ${x.endMb} MB`).join(", ") || "n/a"],
    ["viewer sessions started / ended", `${s.sessions.started} / ${s.sessions.ended} (harness saw ${s.sessions.seenByHarness} created; ${s.sessions.connected} connected, ${s.sessions.failed} failed, ${s.sessions.vanished} left without DELETE; peak ${s.sessions.peakViewers} at once)`],
    ["viewer connect p50 / p95", `${num(s.connectMs?.p50, " ms")} / ${num(s.connectMs?.p95, " ms")}`],
    ["ended by reason", Object.entries(s.sessions.endedBy).map(([r, n]) => `${r} ${n}`).join(", ") || "none"],
    ["werift peer connections at the end", `${s.peerConnections.end} (publisher's: ${s.peerConnections.publisher})`],
    ["node event-loop p99 per scrape, median / max", `${s.loopP99Ms.median} / ${s.loopP99Ms.max} ms`],
    ["node CPU (of one core); major GCs", `${s.cpuPercent} %; ${s.majorGcsPerMin} per minute`],
    ...s.loss.map((l): [string, string] => [
      `loss on ${l.path}`,
      `fraction lost (node gauge) mean ${num(l.nodeMeanPercent, " %")}, max ${num(l.nodeMaxPercent, " %")}; lossy viewers' relays dropped ${num(l.relayDropPercent, " %")}, still missing after NACK ${num(l.lossyResidualPercent, " %")}; clean viewers missing ${num(l.cleanResidualPercent, " %")}`,
    ]),
    ["NACKed / retransmitted", `${s.nack.requests} / ${s.nack.retransmitted}`],
    ["RTP source restarts (done / seen by node)", `${s.restarts.done} / ${s.restarts.seenByNode}${s.restarts.missedAtS.length ? ` (not seen: at ${s.restarts.missedAtS.map((t) => `${Math.round(t)} s`).join(", ")})` : ""}`],
    ["machine load (1-min avg), mean / max", `${s.load1.mean} / ${s.load1.max} on ${s.load1.cpus} cores shared with other work`],
  ];
  return ["| figure | value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
}

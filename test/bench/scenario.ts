/**
 * One benchmark mode end to end: a fresh media node (pprof on), the RTP publisher, a fresh
 * viewer crowd; then for each viewer count N: connect the missing viewers as one batch,
 * let them settle, measure a steady window, and read the node's memory after a GC with the
 * publisher stopped for a moment.
 */
import { availableParallelism } from "node:os";
import { startMediaNode, freeUdpPort, type StartedNode } from "../support/mediaNode.js";
import { startCrowd, type Crowd } from "./crowdClient.js";
import type { ConnectResult, CrowdReport } from "./crowdProtocol.js";
import { heapProfileSummary, memoryAfterGc, metricSum, processCpuMs, processRssBytes, residentMemory, scrapeMetrics, type MetricSamples, type ResidentMemory } from "./nodeProbe.js";
import { startRtpPublisher } from "./rtpPublisher.js";
import { batchStats, type BatchStats } from "./report.js";
import { round } from "./stats.js";

export const MODES = ["stock", "shared", "perViewer", "off"] as const;
export type Mode = (typeof MODES)[number];

export interface ScenarioOptions {
  mode: Mode;
  viewerCounts: number[];
  windowSeconds: number;
  settleSeconds: number;
  light: boolean;
  historyPackets: number;
  /** Stop ramping a mode once aggregate loss exceeds this (it has broken down). */
  breakdownLoss: number;
  log: (line: string) => void;
  /** NODE_OPTIONS for the media node (e.g. "--max-semi-space-size=8" to size V8's young generation). */
  nodeOptions?: string;
}


export interface StepResult {
  viewers: number;
  connectedViewers: number;
  batch?: BatchStats;
  windowMs: number;
  serverCpuMs: number;
  serverCpuPercent: number;
  packetsSent: number;
  packetsDelivered: number;
  packetsExpected: number;
  cpuUsPerDeliveredPacket: number;
  cpuUsPerSentPacket: number;
  lossPercent: number;
  worstViewerLossPercent: number;
  viewersOverHalfPercentLoss: number;
  retransmitted: number;
  nackRequests: number;
  nackSuppressed: number;
  senderReports: number;
  nackHistoryBytes: number;
  eventLoopP99Ms: number;
  crowdCpuPercent: number;
  crowdLoopP99Ms: number;
  memory: { heapUsed: number; external: number; inUse: number; rss: number; gc: boolean };
  /** Read at the end of the window, media flowing: what the pod's memory limit sees. */
  resident?: ResidentMemory;
  heapProfileInuseBytes?: number;
  heapProfileTop?: Array<{ function: string; bytes: number }>;
}

export interface ScenarioResult {
  mode: Mode;
  fanout: "stock" | "lean";
  nackMode: string;
  steps: StepResult[];
  stoppedAt?: { viewers: number; reason: string };
  /** Memory after GC with no viewer (publisher stopped while reading, as at every step). */
  idleMemory: StepResult["memory"];
  /** The first viewers connected one after another (nothing else joining): per-viewer cost. */
  oneAtATime?: BatchStats;
}

/** Per viewer, gathering to DTLS connected; a loaded node answers WHEP POSTs one after another. */
const CONNECT_TIMEOUT_MS = 60_000;
const ONE_AT_A_TIME_VIEWERS = 10;
const QUIET_BEFORE_MEMORY_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** http://host:port of the pprof listener, whether the URL given ends in /debug/pprof/ or not. */
const pprofBase = (node: StartedNode) => node.pprofUrl.replace(/\/debug\/pprof\/?$/, "");

async function memory(node: StartedNode) {
  const m = await memoryAfterGc(pprofBase(node), node.metricsUrl);
  return { heapUsed: m.heapUsed, external: m.external, inUse: m.heapUsed + m.external, rss: m.rss || processRssBytes(node.pid), gc: m.gc };
}

function delta(after: MetricSamples, before: MetricSamples, name: string): number {
  return metricSum(after, name) - metricSum(before, name);
}

/** Connects `count` viewers `concurrency` at a time and measures what it cost both processes. */
async function connectBatch(node: StartedNode, crowd: Crowd, count: number, concurrency?: number): Promise<BatchStats> {
  const server0 = processCpuMs(node.pid);
  const crowd0 = processCpuMs(crowd.pid);
  const t0 = performance.now();
  const results = await crowd.connect(`${node.httpUrl}/bench/whep`, count, { concurrency, timeoutMs: CONNECT_TIMEOUT_MS });
  const cost = { wallMs: performance.now() - t0, serverCpuMs: processCpuMs(node.pid) - server0, crowdCpuMs: processCpuMs(crowd.pid) - crowd0 };
  return batchStats(results, cost, availableParallelism());
}

const costText = (b: BatchStats) =>
  `ICE+DTLS p50 ${b.iceDtlsP50Ms} ms; ${b.wallMs} ms wall, node CPU ${b.serverCpuMs} ms + crowd CPU ${b.crowdCpuMs} ms (${b.cpuBoundMs} ms on ${availableParallelism()} cores)`;

async function measureWindow(node: StartedNode, crowd: Crowd, options: ScenarioOptions) {
  const before = await scrapeMetrics(node.metricsUrl); // also resets prom-client's event-loop histogram
  const cpu0 = processCpuMs(node.pid);
  const t0 = performance.now();
  await crowd.startWindow();
  await sleep(options.windowSeconds * 1000);
  const report: CrowdReport = await crowd.report();
  const cpu1 = processCpuMs(node.pid);
  const windowMs = performance.now() - t0;
  const after = await scrapeMetrics(node.metricsUrl);
  return { before, after, serverCpuMs: cpu1 - cpu0, windowMs, report, resident: residentMemory(node.pid, after) };
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { mode, log } = options;
  const fanout = mode === "stock" ? "stock" : "lean";
  const nackMode = mode === "stock" ? "perViewer" : mode;
  const rtpPort = await freeUdpPort();
  const node = await startMediaNode({
    config: {
      // info: the harness waits for the "media node ready" line; sessions log a line or two each.
      log: { level: "info" },
      webrtc: { nack: { mode: nackMode, historyPackets: options.historyPackets }, maxSessions: 5000 },
      paths: [{ name: "bench", source: { rtp: { host: "127.0.0.1", port: rtpPort, codec: "VP8", payloadType: 96, clockRate: 90000 } } }],
    },
    fanout,
    ...(options.nodeOptions ? { env: { NODE_OPTIONS: options.nodeOptions } } : {}),
    timeoutMs: 30_000,
  });
  const startPublisher = () => startRtpPublisher({ host: "127.0.0.1", port: rtpPort });
  let publisher = startPublisher();
  // Packets in flight (SRTP outputs queued on the socket, pooled slabs) are churn, not
  // per-viewer state, and make in-use memory jump between readings (heapPerViewer.ts does
  // the same): memory is read with the source stopped, then it starts again.
  const whilePublisherStopped = async <T>(read: () => Promise<T>): Promise<T> => {
    await publisher.close();
    await sleep(QUIET_BEFORE_MEMORY_MS);
    try {
      return await read();
    } finally {
      publisher = startPublisher();
    }
  };
  let crowd: Crowd | undefined;
  const result: ScenarioResult = { mode, fanout, nackMode, steps: [], idleMemory: { heapUsed: 0, external: 0, inUse: 0, rss: 0, gc: false } };
  try {
    crowd = await startCrowd({ light: options.light });
    await sleep(2000);
    result.idleMemory = await whilePublisherStopped(() => memory(node));
    log(`[${mode}] node pid ${node.pid}, crowd pid ${crowd.pid} (${options.light ? "light" : "full"}), idle in-use ${(result.idleMemory.inUse / 1e6).toFixed(1)} MB`);
    let connected = 0;
    // What one viewer costs when nothing else joins: these also start the first step.
    const probe = Math.min(ONE_AT_A_TIME_VIEWERS, options.viewerCounts[0] ?? 0);
    if (probe > 0) {
      result.oneAtATime = await connectBatch(node, crowd, probe, 1);
      connected += result.oneAtATime.size - result.oneAtATime.failed;
      const one = result.oneAtATime;
      log(`[${mode}] ${one.size} viewers one at a time: connected p50 ${one.p50Ms} ms p95 ${one.p95Ms} ms, ${costText(one)}`);
    }
    for (const n of options.viewerCounts) {
      let batch: BatchStats | undefined;
      if (n > connected) {
        batch = await connectBatch(node, crowd, n - connected);
        connected += batch.size - batch.failed;
        // Viewers that failed in the batch are retried in small waves so the ramp still
        // reaches N; the batch statistics above keep the failures.
        for (let round = 0; round < 2 && connected < n; round++) {
          const retry = await crowd.connect(`${node.httpUrl}/bench/whep`, n - connected, { concurrency: 5, timeoutMs: CONNECT_TIMEOUT_MS });
          const ok = retry.filter((r) => r.ok).length;
          batch.retriedOk = (batch.retriedOk ?? 0) + ok;
          connected += ok;
        }
        log(`[${mode}] N=${n}: batch of ${batch.size} connected p50 ${batch.p50Ms} ms p95 ${batch.p95Ms} ms (p50 offer ${batch.offerP50Ms} + POST ${batch.httpP50Ms} + ICE ${batch.iceP50Ms} + DTLS ${batch.dtlsP50Ms}), ${costText(batch)}, ${batch.failed} failed${batch.errors.length ? ` (${batch.errors.join("; ")})` : ""}${batch.retriedOk ? `, ${batch.retriedOk} connected on retry` : ""}`);
      }
      await sleep(options.settleSeconds * 1000);
      const sourceBefore = publisher.sent();
      const w = await measureWindow(node, crowd, options);
      const sourcePackets = publisher.sent() - sourceBefore;
      const viewers = w.report.viewers.filter((v) => v.state === "connected");
      const delivered = viewers.reduce((s, v) => s + v.received, 0);
      // A viewer that received nothing has no sequence range to expect from: it missed every
      // packet the source sent in the window, and counts so (not as zero packets expected).
      const expectedOf = (v: { expected: number }) => (v.expected > 0 ? v.expected : sourcePackets);
      const expected = viewers.reduce((s, v) => s + expectedOf(v), 0);
      const lossOf = (v: { received: number; expected: number }) => (expectedOf(v) > 0 ? 100 * (1 - v.received / expectedOf(v)) : 100);
      const sent = delta(w.after, w.before, "mediafleet_rtp_packets_sent_total");
      const { mem, profile } = await whilePublisherStopped(async () => ({ mem: await memory(node), profile: await heapProfileSummary(pprofBase(node)) }));
      const step: StepResult = {
        viewers: n,
        connectedViewers: viewers.length,
        ...(batch ? { batch } : {}),
        windowMs: Math.round(w.windowMs),
        serverCpuMs: Math.round(w.serverCpuMs),
        serverCpuPercent: round((100 * w.serverCpuMs) / w.windowMs),
        packetsSent: sent,
        packetsDelivered: delivered,
        packetsExpected: expected,
        cpuUsPerDeliveredPacket: round((w.serverCpuMs * 1000) / delivered, 2),
        cpuUsPerSentPacket: round((w.serverCpuMs * 1000) / sent, 2),
        lossPercent: round(expected > 0 ? 100 * (1 - delivered / expected) : 100, 3),
        worstViewerLossPercent: round(Math.max(0, ...viewers.map(lossOf)), 2),
        viewersOverHalfPercentLoss: viewers.filter((v) => lossOf(v) >= 0.5).length,
        retransmitted: delta(w.after, w.before, "mediafleet_rtp_retransmitted_packets_total"),
        nackRequests: delta(w.after, w.before, "mediafleet_nack_requests_total"),
        nackSuppressed: delta(w.after, w.before, "mediafleet_nack_suppressed_total"),
        senderReports: delta(w.after, w.before, "mediafleet_rtcp_sender_reports_total"),
        nackHistoryBytes: metricSum(w.after, "mediafleet_nack_history_bytes"),
        eventLoopP99Ms: round(metricSum(w.after, "nodejs_eventloop_lag_p99_seconds") * 1000, 2),
        crowdCpuPercent: round((100 * w.report.cpuMs) / w.report.windowMs),
        crowdLoopP99Ms: round(w.report.loopP99Ms, 2),
        memory: mem,
        resident: w.resident,
        ...(profile ? { heapProfileInuseBytes: profile.inuseBytes, heapProfileTop: profile.top } : {}),
      };
      result.steps.push(step);
      log(
        `[${mode}] N=${n}: ${viewers.length} up, cpu ${step.serverCpuPercent}% = ${step.cpuUsPerDeliveredPacket} µs/pkt, loss ${step.lossPercent}% (worst ${step.worstViewerLossPercent}%), loop p99 ${step.eventLoopP99Ms} ms, in-use ${(mem.inUse / 1e6).toFixed(1)} MB, RSS ${(w.resident.rss / 1e6).toFixed(0)} MB (new space ${(w.resident.newSpace / 1e6).toFixed(0)} MB), crowd cpu ${step.crowdCpuPercent}%`,
      );
      if (step.lossPercent > options.breakdownLoss * 100 || viewers.length < n * 0.8) {
        result.stoppedAt = { viewers: n, reason: viewers.length < n * 0.8 ? `only ${viewers.length} of ${n} viewers connected` : `loss ${step.lossPercent}%` };
        log(`[${mode}] stopping the ramp at N=${n}: ${result.stoppedAt.reason}`);
        break;
      }
    }
  } finally {
    await crowd?.stop().catch(() => undefined);
    await publisher.close();
    await node.stop();
  }
  return result;
}

/**
 * Turns benchmark steps into the numbers the issue asks for, and markdown tables (pure).
 *
 * - heap per viewer: least-squares slope of in-use memory after GC (heapUsed + external)
 *   against N, read with the publisher stopped for a moment (packets in flight are not
 *   per-viewer state), with the node before any viewer as the N = 0 point;
 * - CPU per delivered packet: server user+system CPU over the window / unique packets the
 *   viewers received; compared with stock at the viewer counts where BOTH held < 0.5% loss
 *   (median of the per-N ratios), since a path past its breakdown point delivers fewer
 *   packets and its per-packet number stops meaning the same thing;
 * - marginal CPU per delivered packet: slope of server CPU (µs per second of window) against
 *   delivered packets per second over the steps where the mode held; the fixed cost of
 *   ingest, timers and GC (which a per-packet average spreads over few viewers at small N)
 *   drops out, leaving what one more viewer-packet costs — the fan-out cost itself;
 * - viewers held: the largest N measured with aggregate loss < 0.5% and every viewer up;
 * - connect: the batch closest to 50 viewers joining at once while streaming, with what it
 *   cost both processes; and the first viewers connected one at a time, whose CPU per viewer
 *   is what a connect costs each side when nothing else competes for the cores.
 */
import type { ConnectResult } from "./crowdProtocol.js";
import type { Mode, ScenarioResult, StepResult } from "./scenario.js";
import { linearFit, percentile, round } from "./stats.js";

export const HELD_LOSS_PERCENT = 0.5;
export const TARGETS = { cpuRatio: 0.5, heapRatio: 0.5, heldRatio: 2, connectP50Ms: 100 } as const;

export interface ModeSummary {
  mode: Mode;
  heapPerViewerBytes: number;
  heapPerViewerR2: number;
  /** Same slope from the heap profile's in-use total (what the operator scrapes). */
  profileHeapPerViewerBytes: number;
  jsHeapPerViewerBytes: number;
  cpuUsPerPacketMedian: number;
  /** Slope of CPU time against delivered packets over held steps (µs per packet). */
  cpuUsPerPacketMarginal: number;
  maxViewersHeld: number;
  /** Held at the largest N tried: the true limit is higher than maxViewersHeld. */
  heldAtLargestTried: boolean;
  connectBatch?: ConnectSummary;
  oneAtATime?: ConnectSummary;
  stoppedAt?: { viewers: number; reason: string };
}

export interface ConnectSummary {
  size: number;
  p50Ms: number;
  p95Ms: number;
  failed: number;
  /** Absent in reports written before these were measured. */
  iceDtlsP50Ms?: number;
  wallMs?: number;
  serverCpuMsPerViewer?: number;
  crowdCpuMsPerViewer?: number;
  cpuBoundMs?: number;
}

function connectSummary(b: BatchStats): ConnectSummary {
  const ok = Math.max(1, b.size - b.failed);
  const perViewer = (ms: number | undefined) => (ms === undefined ? undefined : Number((ms / ok).toFixed(2)));
  return {
    size: b.size,
    p50Ms: b.p50Ms,
    p95Ms: b.p95Ms,
    failed: b.failed,
    iceDtlsP50Ms: b.iceDtlsP50Ms,
    wallMs: b.wallMs,
    serverCpuMsPerViewer: perViewer(b.serverCpuMs),
    crowdCpuMsPerViewer: perViewer(b.crowdCpuMs),
    cpuBoundMs: b.cpuBoundMs,
  };
}

export interface Ratios {
  mode: Mode;
  cpuPerPacket: number;
  /** Ratio of the marginal (slope) CPU per delivered packet. */
  cpuPerPacketMarginal: number;
  cpuComparedAt: number[];
  heapPerViewer: number;
  viewersHeld: number;
  /** The mode never broke down in the viewer counts tried: the ratio is a lower bound. */
  viewersHeldIsLowerBound: boolean;
  connectP50: number;
  meets: { cpu: boolean; heap: boolean; held: boolean; connect: boolean };
}

export interface BatchStats {
  size: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  offerP50Ms: number;
  httpP50Ms: number;
  iceP50Ms: number;
  dtlsP50Ms: number;
  /** ICE + DTLS per viewer (answer applied -> DTLS connected), the part the issue names. */
  iceDtlsP50Ms: number;
  iceDtlsP95Ms: number;
  /** First POST sent -> last viewer connected. */
  wallMs: number;
  /** user + system CPU of the node and of the crowd while the batch connected. */
  serverCpuMs: number;
  crowdCpuMs: number;
  /** (server + crowd CPU) / cores: the shortest the whole batch could take on this machine. */
  cpuBoundMs: number;
  errors: string[];
  /** Failed viewers that connected when retried in waves of 5 after the batch. */
  retriedOk?: number;
}

export interface BatchCost {
  wallMs: number;
  serverCpuMs: number;
  crowdCpuMs: number;
}

export function batchStats(results: ConnectResult[], cost: BatchCost, cores: number): BatchStats {
  const ok = results.filter((r) => r.ok);
  const ms = (pick: (r: ConnectResult) => number | undefined) => ok.map(pick).filter((v): v is number => v !== undefined);
  const iceDtls = ms((r) => (r.iceMs === undefined || r.dtlsMs === undefined ? undefined : r.iceMs + r.dtlsMs));
  return {
    size: results.length,
    failed: results.length - ok.length,
    p50Ms: round(percentile(ms((r) => r.connectMs), 50)),
    p95Ms: round(percentile(ms((r) => r.connectMs), 95)),
    maxMs: round(Math.max(...ms((r) => r.connectMs), Number.NaN)),
    offerP50Ms: round(percentile(ms((r) => r.offerMs), 50)),
    httpP50Ms: round(percentile(ms((r) => r.httpMs), 50)),
    iceP50Ms: round(percentile(ms((r) => r.iceMs), 50)),
    dtlsP50Ms: round(percentile(ms((r) => r.dtlsMs), 50)),
    iceDtlsP50Ms: round(percentile(iceDtls, 50)),
    iceDtlsP95Ms: round(percentile(iceDtls, 95)),
    wallMs: round(cost.wallMs),
    serverCpuMs: round(cost.serverCpuMs),
    crowdCpuMs: round(cost.crowdCpuMs),
    cpuBoundMs: round((cost.serverCpuMs + cost.crowdCpuMs) / Math.max(1, cores)),
    errors: [...new Set(results.filter((r) => !r.ok).map((r) => r.error ?? "?"))].slice(0, 3),
  };
}

export const BROKEN_LOSS_PERCENT = 10;
const working = (s: StepResult) => s.lossPercent < BROKEN_LOSS_PERCENT && s.connectedViewers >= s.viewers;
const held = (s: StepResult) => s.lossPercent < HELD_LOSS_PERCENT && s.connectedViewers >= s.viewers;

export function summarize(result: ScenarioResult): ModeSummary {
  const points = (pick: (s: StepResult) => number | undefined, idle: number | undefined) => {
    const pts: Array<[number, number]> = result.steps.flatMap((s) => (pick(s) === undefined ? [] : [[s.connectedViewers, pick(s)!] as [number, number]]));
    if (idle !== undefined) pts.unshift([0, idle]);
    return pts;
  };
  const fit = linearFit(points((s) => s.memory.inUse, result.idleMemory.inUse));
  const profileFit = linearFit(points((s) => s.heapProfileInuseBytes, undefined));
  const jsFit = linearFit(points((s) => s.memory.heapUsed, result.idleMemory.heapUsed));
  const heldSteps = result.steps.filter(held);
  const cpuFit = linearFit((heldSteps.length >= 2 ? heldSteps : result.steps).map((s) => [
    (s.packetsDelivered * 1000) / s.windowMs,
    (s.serverCpuMs * 1000 * 1000) / s.windowMs,
  ] as [number, number]));
  const batches = result.steps.flatMap((s) => (s.batch ? [s.batch] : []));
  const batch = batches.sort((a, b) => Math.abs(a.size - 50) - Math.abs(b.size - 50) || b.size - a.size)[0];
  return {
    mode: result.mode,
    heapPerViewerBytes: Math.round(fit.slope),
    heapPerViewerR2: Number(fit.r2.toFixed(3)),
    profileHeapPerViewerBytes: Math.round(profileFit.slope),
    jsHeapPerViewerBytes: Math.round(jsFit.slope),
    cpuUsPerPacketMarginal: Number(cpuFit.slope.toFixed(2)),
    cpuUsPerPacketMedian: percentile((heldSteps.length ? heldSteps : result.steps).map((s) => s.cpuUsPerDeliveredPacket), 50),
    maxViewersHeld: Math.max(0, ...heldSteps.map((s) => s.viewers)),
    heldAtLargestTried: result.steps.length > 0 && held(result.steps.at(-1)!) && !result.stoppedAt,
    ...(batch ? { connectBatch: connectSummary(batch) } : {}),
    ...(result.oneAtATime ? { oneAtATime: connectSummary(result.oneAtATime) } : {}),
    ...(result.stoppedAt ? { stoppedAt: result.stoppedAt } : {}),
  };
}

export function ratiosAgainstStock(results: ScenarioResult[]): Ratios[] {
  const stock = results.find((r) => r.mode === "stock");
  if (!stock) return [];
  const stockSummary = summarize(stock);
  return results
    .filter((r) => r.mode !== "stock")
    .map((r) => {
      const summary = summarize(r);
      const common = r.steps.filter(working).flatMap((s) => {
        const other = stock.steps.find((o) => o.viewers === s.viewers && working(o));
        return other ? [[s.viewers, s.cpuUsPerDeliveredPacket / other.cpuUsPerDeliveredPacket] as const] : [];
      });
      const cpuPerPacket = common.length
        ? percentile(common.map(([, ratio]) => ratio), 50)
        : summary.cpuUsPerPacketMedian / stockSummary.cpuUsPerPacketMedian;
      const heapPerViewer = summary.heapPerViewerBytes / stockSummary.heapPerViewerBytes;
      const viewersHeld = stockSummary.maxViewersHeld > 0 ? summary.maxViewersHeld / stockSummary.maxViewersHeld : Number.POSITIVE_INFINITY;
      const p50 = summary.connectBatch?.p50Ms ?? Number.NaN;
      const connectP50 = p50 / (stockSummary.connectBatch?.p50Ms ?? Number.NaN);
      return {
        mode: r.mode,
        cpuPerPacket: Number(cpuPerPacket.toFixed(3)),
        cpuPerPacketMarginal: Number((summary.cpuUsPerPacketMarginal / stockSummary.cpuUsPerPacketMarginal).toFixed(3)),
        cpuComparedAt: common.map(([n]) => n),
        heapPerViewer: Number(heapPerViewer.toFixed(3)),
        viewersHeld: Number(viewersHeld.toFixed(2)),
        viewersHeldIsLowerBound: summary.heldAtLargestTried,
        connectP50: Number(connectP50.toFixed(3)),
        meets: {
          cpu: cpuPerPacket <= TARGETS.cpuRatio,
          heap: heapPerViewer <= TARGETS.heapRatio,
          held: viewersHeld >= TARGETS.heldRatio,
          connect: p50 <= TARGETS.connectP50Ms,
        },
      };
    });
}

const kb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : "n/a");
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const mark = (ok: boolean) => (ok ? "yes" : "**no**");

/** RSS (peak) and V8's new / old space while media flows; older result files have none. */
function residentCells(r: StepResult["resident"]): string {
  if (!r) return "n/a | n/a";
  return `${mb(r.rss)} (${mb(r.peakRss)}) | ${mb(r.newSpace)} / ${mb(r.oldSpace)}`;
}

export function stepsTable(results: ScenarioResult[]): string {
  const rows = [
    "| mode | N | up | batch p50/p95 ms | server CPU % | µs/delivered pkt | loss % | worst viewer % | loop p99 ms | in-use MB (GC) | RSS MB (peak) | V8 new / old space MB | NACK hist KB | retrans | crowd CPU % |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
  ];
  for (const r of results) {
    for (const s of r.steps) {
      const batch = s.batch ? `${s.batch.p50Ms}/${s.batch.p95Ms} (${s.batch.size}${s.batch.failed ? `, ${s.batch.failed} failed` : ""})` : "";
      rows.push(
        `| ${r.mode} | ${s.viewers} | ${s.connectedViewers} | ${batch} | ${s.serverCpuPercent} | ${s.cpuUsPerDeliveredPacket} | ${s.lossPercent} | ${s.worstViewerLossPercent} | ${s.eventLoopP99Ms} | ${mb(s.memory.inUse)} | ${residentCells(s.resident)} | ${kb(s.nackHistoryBytes)} | ${s.retransmitted} | ${s.crowdCpuPercent} |`,
      );
    }
  }
  return rows.join("\n");
}

export function summaryTable(results: ScenarioResult[]): string {
  const ratios = new Map(ratiosAgainstStock(results).map((r) => [r.mode, r]));
  const rows = [
    "| mode | heap/viewer KB (r²) | profile heap/viewer KB | µs/pkt (median, held) | marginal µs/pkt | viewers held <0.5% loss | connect p50/p95 ms (batch) | CPU ratio (≤0.5) | marginal CPU ratio | heap ratio (≤0.5) | held ratio (≥2) | connect p50 ≤100 ms |",
    "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
  ];
  for (const r of results) {
    const s = summarize(r);
    const q = ratios.get(r.mode);
    const connect = s.connectBatch ? `${s.connectBatch.p50Ms}/${s.connectBatch.p95Ms} (${s.connectBatch.size})` : "n/a";
    const heldText = `${s.heldAtLargestTried ? "≥" : ""}${s.maxViewersHeld}${s.stoppedAt ? ` (stopped at ${s.stoppedAt.viewers})` : ""}`;
    const ratioCells = q
      ? [`${q.cpuPerPacket}x ${mark(q.meets.cpu)}`, `${q.cpuPerPacketMarginal}x`, `${q.heapPerViewer}x ${mark(q.meets.heap)}`, `${q.viewersHeldIsLowerBound ? "≥" : ""}${q.viewersHeld}x ${mark(q.meets.held)}`, `${s.connectBatch?.p50Ms ?? "n/a"} ms ${mark(q.meets.connect)}`]
      : ["(baseline)", "(baseline)", "(baseline)", "(baseline)", `${s.connectBatch?.p50Ms ?? "n/a"} ms`];
    rows.push(`| ${r.mode} | ${kb(s.heapPerViewerBytes)} (${s.heapPerViewerR2}) | ${kb(s.profileHeapPerViewerBytes)} | ${s.cpuUsPerPacketMedian} | ${s.cpuUsPerPacketMarginal} | ${heldText} | ${connect} | ${ratioCells.join(" | ")} |`);
  }
  return rows.join("\n");
}

/** Where connect time goes: per-viewer cost alone, and a batch against the CPU it needed. */
export function connectTable(results: ScenarioResult[]): string {
  const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "n/a" : String(v));
  const rows = [
    "| mode | one at a time p50/p95 ms | node / crowd CPU per viewer ms (one at a time) | batch p50/p95 ms | batch ICE+DTLS p50 ms | batch wall ms | node / crowd CPU per viewer ms (batch) | batch CPU ÷ cores ms |",
    "|---|---|---|---|---:|---:|---|---:|",
  ];
  for (const r of results) {
    const { oneAtATime: one, connectBatch: b } = summarize(r);
    rows.push(
      `| ${r.mode} | ${one ? `${one.p50Ms}/${one.p95Ms} (${one.size})` : "n/a"} | ${one ? `${num(one.serverCpuMsPerViewer)} / ${num(one.crowdCpuMsPerViewer)}` : "n/a"} | ` +
        `${b ? `${b.p50Ms}/${b.p95Ms} (${b.size})` : "n/a"} | ${num(b?.iceDtlsP50Ms)} | ${num(b?.wallMs)} | ${b ? `${num(b.serverCpuMsPerViewer)} / ${num(b.crowdCpuMsPerViewer)}` : "n/a"} | ${num(b?.cpuBoundMs)} |`,
    );
  }
  return rows.join("\n");
}

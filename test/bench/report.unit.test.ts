import { test } from "node:test";
import assert from "node:assert/strict";
import { batchStats, connectTable, ratiosAgainstStock, summarize, summaryTable, type BatchStats } from "./report.js";
import type { ConnectResult } from "./crowdProtocol.js";
import type { Mode, ScenarioResult, StepResult } from "./scenario.js";

function step(viewers: number, inUseMb: number, cpuUs: number, loss: number): StepResult {
  return {
    viewers, connectedViewers: viewers, windowMs: 10_000, serverCpuMs: 0, serverCpuPercent: 0, packetsSent: 0, packetsDelivered: 0,
    packetsExpected: 0, cpuUsPerDeliveredPacket: cpuUs, cpuUsPerSentPacket: cpuUs, lossPercent: loss, worstViewerLossPercent: loss,
    viewersOverHalfPercentLoss: 0, retransmitted: 0, nackRequests: 0, nackSuppressed: 0, senderReports: 0, nackHistoryBytes: 0,
    eventLoopP99Ms: 0, crowdCpuPercent: 0, crowdLoopP99Ms: 0,
    memory: { heapUsed: inUseMb * 1e6, external: 0, inUse: inUseMb * 1e6, rss: 0, gc: true },
    ...(viewers === 50 ? { batch: { size: 50, failed: 0, p50Ms: 400, p95Ms: 900, maxMs: 1000, offerP50Ms: 0, httpP50Ms: 0, iceP50Ms: 0, dtlsP50Ms: 0, iceDtlsP50Ms: 0, iceDtlsP95Ms: 0, wallMs: 1000, serverCpuMs: 500, crowdCpuMs: 300, cpuBoundMs: 400, errors: [] } } : {}),
  };
}

function result(mode: Mode, perViewerMb: number, cpuUs: number, breaksAt: number): ScenarioResult {
  return {
    mode, fanout: mode === "stock" ? "stock" : "lean", nackMode: mode, idleMemory: { heapUsed: 30e6, external: 0, inUse: 30e6, rss: 0, gc: true },
    steps: [10, 50, 100, 200].map((n) => step(n, 30 + n * perViewerMb, cpuUs, n >= breaksAt ? (n > breaksAt ? 20 : 5) : 0)),
  };
}

test("summarize: heap slope per viewer, viewers held below 0.5% loss, batch-of-50 connect", () => {
  const s = summarize(result("stock", 0.16, 40, 100));
  assert.ok(Math.abs(s.heapPerViewerBytes - 160_000) < 1);
  assert.equal(s.maxViewersHeld, 50);
  assert.equal(s.heldAtLargestTried, false);
  assert.equal(s.connectBatch?.p50Ms, 400);
});

test("ratiosAgainstStock compares CPU where neither broke down, and flags lower-bound held ratios", () => {
  const ratios = ratiosAgainstStock([result("stock", 0.16, 40, 100), result("shared", 0.06, 16, 1000)]);
  assert.equal(ratios.length, 1);
  const [shared] = ratios;
  assert.equal(shared!.cpuPerPacket, 0.4);
  assert.deepEqual(shared!.cpuComparedAt, [10, 50, 100]);
  assert.equal(shared!.heapPerViewer, 0.375);
  assert.equal(shared!.viewersHeld, 4);
  assert.equal(shared!.viewersHeldIsLowerBound, true);
  assert.deepEqual(shared!.meets, { cpu: true, heap: true, held: true, connect: false });
  assert.match(summaryTable([result("stock", 0.16, 40, 100), result("shared", 0.06, 16, 1000)]), /≥4x yes/);
});

test("marginal CPU per delivered packet is the slope, free of the fixed cost that a per-packet average spreads over few viewers", () => {
  const fixedUsPerSecond = 200_000; // ingest, timers, GC: 20 % of a core whatever N is
  const withCpu = (n: number, usPerPacket: number): StepResult => {
    const packetsPerSecond = n * 250;
    const cpuUsPerSecond = fixedUsPerSecond + usPerPacket * packetsPerSecond;
    return { ...step(n, 30, cpuUsPerSecond / packetsPerSecond, 0), packetsDelivered: packetsPerSecond * 10, serverCpuMs: (cpuUsPerSecond * 10) / 1000 };
  };
  const idle = { heapUsed: 30e6, external: 0, inUse: 30e6, rss: 0, gc: true };
  const stock: ScenarioResult = { mode: "stock", fanout: "stock", nackMode: "perViewer", idleMemory: idle, steps: [10, 25, 50].map((n) => withCpu(n, 40)) };
  const shared: ScenarioResult = { mode: "shared", fanout: "lean", nackMode: "shared", idleMemory: idle, steps: [10, 25, 50].map((n) => withCpu(n, 10)) };
  assert.equal(summarize(stock).cpuUsPerPacketMarginal, 40);
  assert.equal(summarize(shared).cpuUsPerPacketMarginal, 10);
  const [ratio] = ratiosAgainstStock([stock, shared]);
  assert.equal(ratio!.cpuPerPacketMarginal, 0.25);
  assert.ok(ratio!.cpuPerPacket > 0.25, "the per-packet average carries the fixed cost and overstates the ratio");
});

test("batchStats: ICE+DTLS per viewer, failures left out of the times, CPU of both sides against the cores", () => {
  const ok = (i: number): ConnectResult => ({ id: `v${i}`, ok: true, connectMs: 100 + i, offerMs: 10, httpMs: 20, iceMs: 30 + i, dtlsMs: 40 + i });
  const results = [...Array.from({ length: 9 }, (_, i) => ok(i)), { id: "bad", ok: false, connectMs: 60_000, error: "timed out" }];
  const b = batchStats(results, { wallMs: 800, serverCpuMs: 300, crowdCpuMs: 500 }, 2);
  assert.equal(b.size, 10);
  assert.equal(b.failed, 1);
  assert.equal(b.iceDtlsP50Ms, 70 + 2 * 4); // 9 viewers: the 5th smallest of 70, 72, ..., 86
  assert.equal(b.p95Ms, 108);
  assert.equal(b.cpuBoundMs, 400);
  assert.deepEqual(b.errors, ["timed out"]);
});

test("connectTable: CPU per viewer divides by the viewers that connected; reports without the cost read n/a", () => {
  const withCost = result("shared", 0.06, 16, 1000);
  withCost.oneAtATime = batchStats(
    Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, ok: true, connectMs: 60, iceMs: 20, dtlsMs: 30 })),
    { wallMs: 700, serverCpuMs: 80, crowdCpuMs: 120 },
    2,
  );
  assert.equal(summarize(withCost).oneAtATime?.serverCpuMsPerViewer, 8);
  assert.equal(summarize(withCost).connectBatch?.crowdCpuMsPerViewer, 6);
  const older = result("stock", 0.16, 40, 100);
  delete (older.steps.find((s) => s.batch)!.batch as Partial<BatchStats>).wallMs; // as in a report from before the cost was measured
  const table = connectTable([withCost, older]);
  assert.match(table, /\| shared \| 60\/60 \(10\) \| 8 \/ 12 \|/);
  assert.match(table, /\| stock \| n\/a \| n\/a \| 400\/900 \(50\) \| 0 \| n\/a \|/);
});

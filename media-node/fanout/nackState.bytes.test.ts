/**
 * Measures what NACK state costs per viewer, from the V8 heap (after GC), with viewers that
 * are linked to a stand-in connection so packets flow through the real forwarding code:
 * 200 viewers, 600 packets of 1100 bytes each, and one NACK per viewer (so the lazily
 * allocated de-dup table exists). `shared` must stay under 1 KB per viewer whatever
 * historyPackets is; `perViewer` grows with it (the baseline the shared history beats).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { GenericNack, RTCRtpSender, RtcpTransportLayerFeedback, RtpHeader, RtpPacket } from "werift";
import { createMetrics } from "../observe/metrics.js";
import { ManualClock } from "./clock.js";
import { createFanoutSource } from "./fanoutSource.js";
import { createReportScheduler } from "./reportScheduler.js";
import type { LinkedConnection, NackMode, NegotiatedSender } from "./types.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const VIEWERS = 500;
const PACKETS = 600;
const PAYLOAD = 1100;

/** A viewer as the handoff leaves it: what its sender was negotiated with, and its connection. */
interface FakeViewer {
  sender: RTCRtpSender;
  negotiated: NegotiatedSender;
  connection: LinkedConnection;
  lastSeqSent: number;
}

function fakeLinkedViewer(): FakeViewer {
  const sender = new RTCRtpSender("video");
  const viewer: FakeViewer = {
    sender,
    negotiated: { ssrc: sender.ssrc, rtxSsrc: sender.rtxSsrc, payloadType: 96, clockRate: 90000, mimeType: "video/VP8", rtxPayloadType: undefined, mid: undefined, cname: undefined, headerExtensions: [] },
    connection: {
      isClosed: false,
      sendRtp: (header) => void (viewer.lastSeqSent = header.sequenceNumber),
      sendRtcp: () => undefined,
      nextTransportSeq: () => 0,
    },
    lastSeqSent: -1,
  };
  return viewer;
}

/** Let pending send promises settle first, so they are not counted as viewer state. */
async function heapUsed(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

/** Heap bytes per viewer for a mode, after packets flowed and every viewer NACKed once. */
async function measure(mode: NackMode, historyPackets: number): Promise<number> {
  const metrics = createMetrics({ version: "t", commit: "t", image: "t" }, { defaultMetrics: false });
  const clock = new ManualClock();
  const reports = createReportScheduler({ intervalMs: 1000, clock, metrics });
  const source = createFanoutSource({
    path: "m",
    kind: "video",
    codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
    nack: { mode, historyPackets },
    reports,
    metrics,
    requestKeyframe: () => undefined,
    clock,
  });
  const viewers = Array.from({ length: VIEWERS }, fakeLinkedViewer);
  // the source's own packets exist whatever the viewers do: push them before the baseline
  const packets = Array.from({ length: PACKETS }, (_, i) => new RtpPacket(new RtpHeader({ sequenceNumber: i, timestamp: i * 3000, payloadType: 96 }), Buffer.alloc(PAYLOAD, i)));
  const before = await heapUsed();
  const tracks = viewers.map((viewer, i) => {
    const track = source.attach({ id: `v${i}`, sender: viewer.sender });
    track.linkTo!(viewer.connection, viewer.negotiated);
    return track;
  });
  for (const p of packets) source.push(p);
  tracks.forEach((track, i) => {
    const viewer = viewers[i]!;
    const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: viewer.sender.ssrc, lost: [(viewer.lastSeqSent - 10) & 0xffff] }) });
    track.receiveRtcp!(nack);
  });
  const after = await heapUsed();
  const perViewer = (after - before) / VIEWERS;
  assert.equal(tracks.length, VIEWERS);
  if (mode !== "off") assert.equal(tracks.reduce((n, tr) => n + tr.stats().retransmitted, 0), VIEWERS, "every viewer's NACK was answered");
  source.close();
  reports.close();
  return perViewer;
}

test("NACK state per viewer: shared stays under 1 KB whatever historyPackets; perViewer grows with it", async (t) => {
  // warm-up: the first run also allocates compiled code and inline caches on the heap
  for (const mode of ["off", "shared", "perViewer"] as const) await measure(mode, 128);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const offRuns: number[] = [];
  for (let k = 0; k < 3; k++) offRuns.push(await measure("off", 512));
  const off = median(offRuns);
  const results: Record<string, number> = {};
  for (const size of [128, 512, 4096]) {
    const shared: number[] = [];
    for (let k = 0; k < 3; k++) shared.push((await measure("shared", size)) - off);
    results[`shared/${size}`] = median(shared);
    results[`perViewer/${size}`] = (await measure("perViewer", size)) - off;
  }
  for (const [k, v] of Object.entries(results)) t.diagnostic(`NACK state ${k}: ${Math.round(v)} B/viewer`);
  for (const size of [128, 512, 4096]) assert.ok(results[`shared/${size}`]! <= 1024, `shared/${size} = ${results[`shared/${size}`]} B > 1 KB`);
  assert.ok(results["perViewer/512"]! > 100 * results["shared/512"]!, "perViewer copies dwarf the shared state");
  assert.ok(results["perViewer/512"]! > results["perViewer/128"]! * 2, "perViewer grows with historyPackets (until packets run out)");
});

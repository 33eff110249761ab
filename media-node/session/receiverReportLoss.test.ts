/**
 * A viewer's receiver reports reach its forwarded track's `stats().fractionLost` through the
 * linked connection (`receiveRtcp`, the only route: the track sends nothing before its
 * connection is handed over). No sockets: a bare werift sender stands in for a negotiated one,
 * a stub for the linked connection. (The benchmark baseline's route: test/bench/stockFanout.unit.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTCRtpSender, RtcpReceiverInfo, RtcpRrPacket } from "werift";
import { createFanoutSource, createReportScheduler, ManualClock } from "../fanout/index.js";
import type { FanoutSourceOptions, LinkedConnection, NegotiatedSender } from "../fanout/types.js";
import { createMetrics } from "../observe/metrics.js";

/** An RR with one report block per [ssrc, fraction lost in 1/256]. */
const rr = (...blocks: Array<[ssrc: number, fraction: number]>) =>
  new RtcpRrPacket({
    ssrc: 7,
    reports: blocks.map(([ssrc, fractionLost]) => new RtcpReceiverInfo({ ssrc, fractionLost, packetsLost: 0, highestSequence: 0, jitter: 0, lsr: 0, dlsr: 0 })),
  });

const linked: LinkedConnection = { isClosed: false, sendRtp: () => undefined, sendRtcp: () => undefined, nextTransportSeq: () => 0 };
const negotiated = (ssrc: number): NegotiatedSender => ({ ssrc, rtxSsrc: ssrc + 1, payloadType: 96, clockRate: 90000, mimeType: "video/VP8", rtxPayloadType: undefined, mid: "0", cname: "c", headerExtensions: [] });

function fanoutOptions(t: { after(fn: () => void): void }): FanoutSourceOptions {
  const clock = new ManualClock();
  const reports = createReportScheduler({ intervalMs: 1000, clock });
  t.after(() => reports.close());
  return {
    path: "cam1",
    kind: "video",
    codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
    nack: { mode: "shared", historyPackets: 256 },
    reports,
    metrics: createMetrics({ version: "t", commit: "t", image: "t" }, { defaultMetrics: false }),
    requestKeyframe: () => undefined,
    clock,
  };
}

const binding = (sender: RTCRtpSender) => ({ id: "v1", sender });

test("lean track: before the handoff nothing is read; once linked, RR via the link -> latest fraction", (t) => {
  const source = createFanoutSource(fanoutOptions(t));
  t.after(() => source.close());
  const sender = new RTCRtpSender("video");
  const track = source.attach(binding(sender));
  assert.equal(track.receiveRtcp!(rr([sender.ssrc, 64])), false, "not linked yet: no sender to report on");
  assert.equal(track.stats().fractionLost, undefined, "no report is not the same as no loss");

  track.linkTo!(linked, negotiated(sender.ssrc));
  assert.equal(track.receiveRtcp!(rr([sender.ssrc, 64])), true);
  assert.equal(track.stats().fractionLost, 0.25);

  assert.equal(track.receiveRtcp!(rr([sender.ssrc, 0])), true);
  assert.equal(track.stats().fractionLost, 0, "a later report replaces the earlier one");

  assert.equal(track.receiveRtcp!(rr([sender.ssrc + 1, 255])), false, "another SSRC's block is not this track's");
  assert.equal(track.stats().fractionLost, 0);
});

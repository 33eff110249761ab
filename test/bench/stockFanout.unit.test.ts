/**
 * The benchmark baseline reads a viewer's loss the way werift routes it: RTCP handed to the
 * sender by werift's router (`handleRtcpPacket`), kept by the sender's public onRtcp. The
 * viewer-loss integration test compares both fan-outs, so this route must hold too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTCRtpSender, RtcpReceiverInfo, RtcpRrPacket } from "werift";
import { createReportScheduler, ManualClock } from "../../media-node/fanout/index.js";
import { createMetrics } from "../../media-node/observe/metrics.js";
import { createStockFanoutSource } from "./stockFanout.js";

test("stock track: RR through werift's own sender -> fraction kept; after close it is not followed", (t) => {
  const clock = new ManualClock();
  const reports = createReportScheduler({ intervalMs: 1000, clock });
  const source = createStockFanoutSource({
    path: "cam1",
    kind: "video",
    codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
    nack: { mode: "perViewer", historyPackets: 128 },
    reports,
    metrics: createMetrics({ version: "t", commit: "t", image: "t" }, { defaultMetrics: false }),
    requestKeyframe: () => undefined,
    clock,
  });
  t.after(() => (source.close(), reports.close()));
  const sender = new RTCRtpSender("video");
  const track = source.attach({ id: "v1", sender });
  const routeRr = (...blocks: Array<[ssrc: number, fraction: number]>) =>
    sender.handleRtcpPacket(
      new RtcpRrPacket({ ssrc: 7, reports: blocks.map(([ssrc, fractionLost]) => new RtcpReceiverInfo({ ssrc, fractionLost, packetsLost: 0, highestSequence: 0, jitter: 0, lsr: 0, dlsr: 0 })) }),
    );
  assert.equal(track.stats().fractionLost, undefined, "no report is not the same as no loss");

  routeRr([sender.ssrc + 1, 200], [sender.ssrc, 26]);
  assert.equal(track.stats().fractionLost, 26 / 256, "only the block about this sender's SSRC");

  track.close();
  routeRr([sender.ssrc, 128]);
  assert.equal(track.stats().fractionLost, 26 / 256, "a closed track no longer listens");
});

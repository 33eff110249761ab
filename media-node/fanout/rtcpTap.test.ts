import { test } from "node:test";
import assert from "node:assert/strict";
import { GenericNack, PictureLossIndication, RtcpPayloadSpecificFeedback, RtcpReceiverInfo, RtcpRrPacket, RtcpSourceDescriptionPacket, RtcpTransportLayerFeedback } from "werift";
import { unknownSsrcReason } from "./rtcpTap.js";

const ours = (ssrc: number) => ssrc === 1111;

test("unknownSsrcReason -> NACK, PLI and report blocks naming an SSRC we never sent are counted by kind; ours and other packets are not", () => {
  const nack = (ssrc: number) => new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 9, mediaSourceSsrc: ssrc, lost: [1] }) });
  const pli = (ssrc: number) => new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 9, mediaSsrc: ssrc }) });
  const rr = (...ssrcs: number[]) => new RtcpRrPacket({ ssrc: 9, reports: ssrcs.map((ssrc) => new RtcpReceiverInfo({ ssrc, fractionLost: 0, packetsLost: 0, highestSequence: 0, jitter: 0, lsr: 0, dlsr: 0 })) });
  assert.equal(unknownSsrcReason(nack(2222), ours), "nack_unknown_ssrc");
  assert.equal(unknownSsrcReason(nack(1111), ours), undefined);
  assert.equal(unknownSsrcReason(pli(2222), ours), "pli_unknown_ssrc");
  assert.equal(unknownSsrcReason(pli(1111), ours), undefined);
  assert.equal(unknownSsrcReason(rr(1111, 2222), ours), "rr_unknown_ssrc");
  assert.equal(unknownSsrcReason(rr(1111), ours), undefined);
  assert.equal(unknownSsrcReason(rr(), ours), undefined, "an RR without report blocks names nobody");
  assert.equal(unknownSsrcReason(new RtcpSourceDescriptionPacket({ chunks: [] }), () => false), undefined);
});

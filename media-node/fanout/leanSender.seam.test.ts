/**
 * The lean path against the INSTALLED werift: fails when werift changes underneath (the seam
 * checks) or when packets sent through the DTLS transport stop arriving as a real werift
 * receiver expects them (rewritten header, negotiated payload type, mid extension, NACK
 * answered once, SR received). Two peer connections on loopback in one process.
 */
import "../../test/support/no-public-stun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  GenericNack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  RTP_EXTENSION_URI,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
  useNACK,
  usePLI,
  type RtcpPacket,
} from "werift";
import { createMetrics } from "../observe/metrics.js";
import { createFanoutSource } from "./fanoutSource.js";
import { createReportScheduler } from "./reportScheduler.js";
import { findSeamProblems } from "./weriftSeam.js";
import { poll } from "../../test/support/poll.js";

const vp8 = () => new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, rtcpFeedback: [useNACK(), usePLI()] });
const extensions = () => [
  new RTCRtpHeaderExtensionParameters({ id: 1, uri: RTP_EXTENSION_URI.sdesMid }),
  new RTCRtpHeaderExtensionParameters({ id: 3, uri: RTP_EXTENSION_URI.absSendTime }),
];

/** State here is in-process: look often. */
const FAST = { intervalMs: 10 };

test("werift internals the lean path relies on are all present", () => {
  assert.deepEqual(findSeamProblems(), []);
});

test("lean path on real werift peers -> rewritten packets arrive, NACK answered once, SR received", async (t) => {
  const config = { iceServers: [], iceUseIpv6: false, iceInterfaceAddresses: { udp4: "127.0.0.1" }, iceAdditionalHostAddresses: ["127.0.0.1"], codecs: { video: [vp8()], audio: [] }, headerExtensions: { video: extensions(), audio: [] } };
  const server = new RTCPeerConnection(config);
  const viewer = new RTCPeerConnection(config);
  const metrics = createMetrics({ version: "t", commit: "t", image: "t" }, { defaultMetrics: false });
  const reports = createReportScheduler({ intervalMs: 200, metrics });
  const source = createFanoutSource({
    path: "seam",
    kind: "video",
    codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
    nack: { mode: "shared", historyPackets: 256 },
    reports,
    metrics,
    requestKeyframe: () => undefined,
  });
  t.after(async () => {
    source.close();
    reports.close();
    await Promise.all([server.close(), viewer.close()]);
  });

  viewer.addTransceiver("video", { direction: "recvonly" });
  const received: RtpPacket[] = [];
  viewer.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => received.push(rtp)));
  const transceiver = server.addTransceiver("video", { direction: "sendonly" });
  await viewer.setLocalDescription(await viewer.createOffer());
  await poll(() => viewer.iceGatheringState, (s) => s === "complete", 5000, "viewer ICE gathering", FAST);
  await server.setRemoteDescription(viewer.localDescription!);
  await server.setLocalDescription(await server.createAnswer());
  await poll(() => server.iceGatheringState, (s) => s === "complete", 5000, "server ICE gathering", FAST);
  await viewer.setRemoteDescription(server.localDescription!);
  const forwarded = source.attach({ id: "v1", pc: server, transceiver, sender: transceiver.sender });
  await poll(() => [server.connectionState, viewer.connectionState], (s) => s.every((x) => x === "connected"), 10_000, "both peers connected", FAST);

  const srSeen: number[] = [];
  const viewerTransport = viewer.getTransceivers()[0]!.receiver.dtlsTransport;
  viewerTransport.onRtcp.subscribe((p: RtcpPacket) => {
    if (p instanceof RtcpSrPacket) srSeen.push(p.ssrc);
  });

  const payloads: Buffer[] = [];
  for (let i = 0; i < 50; i++) {
    const payload = Buffer.from([0x10, i === 0 ? 0x00 : 0x01, ...Buffer.alloc(100, i)]);
    payloads.push(payload);
    const header = new RtpHeader({ payloadType: 96, sequenceNumber: (65530 + i) & 0xffff, timestamp: i * 3000, ssrc: 1234, marker: true });
    source.push(new RtpPacket(header, payload));
    await new Promise((r) => setTimeout(r, 2));
  }
  await poll(() => received.length, (n) => n >= 50, 5000, "50 packets at the viewer", FAST);

  const sender = transceiver.sender;
  const first = received[0]!.header.sequenceNumber;
  received.slice(0, 50).forEach((p, i) => {
    assert.equal(p.header.ssrc, sender.ssrc);
    assert.equal(p.header.payloadType, sender.codec!.payloadType);
    assert.equal(p.header.sequenceNumber, (first + i) & 0xffff, "contiguous rewritten sequence");
    assert.ok(p.payload.equals(payloads[i]!), "payload intact");
  });
  // werift numbers the extensions itself; look the ids up in what was negotiated
  const negotiated = (sender as unknown as { headerExtensions: { id: number; uri: string }[]; mid: string }).headerExtensions;
  const idOf = (uri: string) => negotiated.find((e) => e.uri === uri)?.id;
  const mid = received[0]!.header.extensions.find((e) => e.id === idOf(RTP_EXTENSION_URI.sdesMid));
  assert.equal(mid?.payload.toString(), (sender as unknown as { mid: string }).mid);
  assert.ok(received[0]!.header.extensions.some((e) => e.id === idOf(RTP_EXTENSION_URI.absSendTime)), "abs-send-time extension present");

  // viewer NACKs packet #10 three times in quick succession (as werift's receiver repeats)
  const nackSeq = (first + 10) & 0xffff;
  const before = received.length;
  const nack = () =>
    viewerTransport.sendRtcp([
      new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: sender.ssrc, lost: [nackSeq] }) }),
    ]);
  await nack();
  await nack();
  await nack();
  await poll(() => received.length, (n) => n > before, 3000, "the retransmission", FAST);
  // Measured, not guarded: no second retransmission may follow within these 50 ms.
  await new Promise((r) => setTimeout(r, 50));
  const resent = received.slice(before);
  assert.equal(resent.length, 1, "three NACKs within one RTT -> one retransmission");
  assert.equal(resent[0]!.header.sequenceNumber, nackSeq);
  assert.ok(resent[0]!.payload.equals(payloads[10]!));
  const stats = forwarded.stats();
  assert.equal(stats.retransmitted, 1);
  assert.equal(stats.nackSuppressed, 2);

  // a NACK naming an SSRC this connection never sent, and one listing 4,000 sequence numbers
  const malformed = async (reason: string) =>
    ((await metrics.malformedInput.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0);
  await viewerTransport.sendRtcp([
    new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 0xdeadbeef, lost: [1, 2, 3] }) }),
  ]);
  const huge = Array.from({ length: 4000 }, (_, i) => (first + 100 + i * 2) & 0xffff);
  await viewerTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: sender.ssrc, lost: huge }) })]);
  await poll(
    async () => [await malformed("nack_unknown_ssrc"), await malformed("nack_too_many_seqs")],
    (counts) => counts.every((n) => n >= 1),
    3000,
    "both NACKs counted as malformed",
    FAST,
  );
  assert.equal(await malformed("nack_unknown_ssrc"), 1);
  assert.equal(await malformed("nack_too_many_seqs"), 1);
  assert.equal(forwarded.stats().retransmitted, 1, "neither NACK caused a retransmission (unknown SSRC; seqs never sent)");

  await poll(() => srSeen.length, (n) => n > 0, 3000, "a sender report at the viewer", FAST);
  assert.equal(srSeen[0], sender.ssrc);
  assert.equal((sender as unknown as { rtcpRunning: boolean }).rtcpRunning, true, "stock RTCP loop latched off");
  assert.equal((sender as unknown as { rtpCache: unknown[] }).rtpCache.length, 0, "stock 128-packet cache never filled");

  forwarded.close();
  forwarded.close();
  assert.equal(source.viewerCount(), 0);
});

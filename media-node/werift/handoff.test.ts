/**
 * The handoff against the INSTALLED werift, on real peers over loopback (a node-side peer from
 * the session factory on the shared port, a werift viewer): what it hands over is plain data
 * only; from it alone the node's lean sender and ViewerLink reach a real werift receiver, in
 * both SRTP profiles werift negotiates, across a 16-bit sequence wrap with resends; the fan-out
 * behaves as before the handoff existed (rewritten header, negotiated payload type, mid and
 * abs-send-time extensions, NACK answered once per RTT, SR received, unknown SSRC and
 * oversized NACKs counted); a connection that does not fit is refused naming the seam.
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  GenericNack,
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
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
import { createFanoutSource, createReportScheduler, unknownSsrcReason } from "../fanout/index.js";
import { LeanSender } from "../fanout/leanSender.js";
import { startIceEndpoint } from "../ice/endpoint.js";
import { createMetrics } from "../observe/metrics.js";
import { answerWithCandidates, applyRemoteOffer } from "../session/negotiate.js";
import { peerFactoryFromIce } from "../session/peerFactory.js";
import { ViewerLink } from "../session/viewerLink.js";
import { closePeer } from "./closeNotify.js";
import { WeriftSeamError } from "./errors.js";
import { handOffViewer } from "./handoff.js";
import { poll } from "../../test/support/poll.js";

/** State here is in-process: look often. */
const FAST = { intervalMs: 10 };
const vp8 = () => new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, rtcpFeedback: [useNACK(), usePLI()] });
const extensions = () => [
  new RTCRtpHeaderExtensionParameters({ id: 1, uri: RTP_EXTENSION_URI.sdesMid }),
  new RTCRtpHeaderExtensionParameters({ id: 3, uri: RTP_EXTENSION_URI.absSendTime }),
];

type Teardown = { after(fn: () => unknown): void };

/** A node peer (shared port) and a werift viewer, connected; `profile` forces the viewer's SRTP offer. */
async function connectedPair(t: Teardown, profile?: number) {
  const ice = await startIceEndpoint({ host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off" });
  const peers = peerFactoryFromIce(ice);
  t.after(() => peers.close());
  const config = { codecs: { video: [vp8()], audio: [] }, headerExtensions: { video: extensions(), audio: [] } };
  const viewer = new RTCPeerConnection({ ...config, iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  t.after(() => viewer.close());
  const node = peers.createPeerConnection(config);
  t.after(() => closePeer(node));
  viewer.addTransceiver("video", { direction: "recvonly" });
  await viewer.setLocalDescription(await viewer.createOffer());
  // offer only this profile from the viewer's DTLS side, so the handshake must pick it
  if (profile !== undefined) (viewer.getTransceivers()[0]!.receiver.dtlsTransport as unknown as { srtpProfiles: number[] }).srtpProfiles = [profile];
  await poll(() => viewer.iceGatheringState, (s) => s === "complete", 5000, "viewer gathering", FAST);
  await applyRemoteOffer(node, peers, viewer.localDescription!.sdp);
  for (const transceiver of node.getTransceivers()) transceiver.setDirection("sendonly");
  await viewer.setRemoteDescription({ type: "answer", sdp: await answerWithCandidates(node) });
  await poll(() => [node.connectionState, viewer.connectionState], (s) => s.every((x) => x === "connected"), 10_000, "both connected", FAST);
  const viewerTransport = viewer.getTransceivers()[0]!.receiver.dtlsTransport;
  return { ice, node, viewer, viewerTransport, sender: node.getTransceivers()[0]!.sender };
}

/** Every value reachable from `value` is plain data (or the shared port's own transport). */
function plainDataProblems(value: unknown, path: string, allow: (path: string) => boolean, out: string[] = []): string[] {
  if (value === null || value === undefined || ["string", "number", "boolean", "bigint"].includes(typeof value) || Buffer.isBuffer(value) || allow(path)) return out;
  if (Array.isArray(value)) value.forEach((v, i) => plainDataProblems(v, `${path}[${i}]`, allow, out));
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const [k, v] of Object.entries(value)) plainDataProblems(v, `${path}.${k}`, allow, out);
  else out.push(`${path} is a ${(value as object).constructor?.name ?? typeof value}`);
  return out;
}

for (const [name, profile] of [
  ["AEAD_AES_128_GCM", ProtectionProfileAeadAes128Gcm],
  ["AES_CM_128_HMAC_SHA1_80", ProtectionProfileAes128CmHmacSha1_80],
] as const) {
  test(`${name}: the handoff is plain data; from it alone a werift viewer decrypts the lean sender's packets across a sequence wrap, resends included`, { timeout: 30_000 }, async (t) => {
    const { node, viewerTransport, sender } = await connectedPair(t, profile);
    const handoff = handOffViewer(node, [sender]);
    assert.deepEqual(plainDataProblems(handoff, "handoff", (p) => p.endsWith(".socket")), [], "nothing of werift is handed over");
    const connection = handoff.connections[0]!;
    assert.equal(connection.srtp.profile, profile, "negotiated the profile under test");
    const link = new ViewerLink(connection);
    t.after(() => link.close());
    await node.close(); // werift's peer connection is gone: the link alone carries the viewer
    const received: RtpPacket[] = [];
    viewerTransport.onRtp.subscribe((rtp) => received.push(rtp));
    const lean = new LeanSender(handoff.senders[0]!.sender, link, { onNack: () => undefined, onKeyframeRequest: () => undefined, onReceiverReport: () => undefined });

    const sent = new Map<number, Buffer>();
    // 65526 .. 65535, 0 .. 9: twenty new packets across the wrap
    const order = Array.from({ length: 20 }, (_, i) => (65526 + i) & 0xffff);
    for (const seq of order) {
      const payload = randomBytes(200 + (seq % 7));
      sent.set(seq, payload);
      lean.send(seq, seq * 3000, false, payload, Date.now());
      await new Promise((r) => setTimeout(r, 2));
    }
    await poll(() => received.length, (n) => n >= 20, 5000, "20 packets at the viewer", FAST);
    // NACK answers on the same SSRC after the wrap (no RTX negotiated): pre-wrap (ROC 0) and post-wrap (ROC 1)
    for (const seq of [65533, 65535, 3]) lean.resend(seq, seq * 3000, false, sent.get(seq)!, Date.now());
    await poll(() => received.length, (n) => n >= 23, 5000, "3 resends at the viewer", FAST);
    assert.deepEqual(
      received.map((p) => p.header.sequenceNumber),
      [...order, 65533, 65535, 3],
    );
    for (const p of received) {
      assert.equal(p.header.ssrc, sender.ssrc);
      assert.ok(p.payload.equals(sent.get(p.header.sequenceNumber)!), `payload of seq ${p.header.sequenceNumber} intact`);
    }
  });
}

test("the lean fan-out after the handoff on real werift peers -> rewritten packets arrive, NACK answered once, SR received, bad NACKs counted", { timeout: 30_000 }, async (t) => {
  const { node, viewerTransport, sender } = await connectedPair(t);
  const metrics = createMetrics({ version: "t", commit: "t", image: "t" }, { defaultMetrics: false });
  const reports = createReportScheduler({ intervalMs: 200, metrics });
  const source = createFanoutSource({
    path: "handoff",
    kind: "video",
    codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
    nack: { mode: "shared", historyPackets: 256 },
    reports,
    metrics,
    requestKeyframe: () => undefined,
  });
  t.after(() => {
    source.close();
    reports.close();
  });
  const forwarded = source.attach({ id: "v1", sender });
  // what session/viewer.ts does at connect, without its HTTP and registry around it
  const handoff = handOffViewer(node, [sender]);
  const negotiated = handoff.senders[0]!.sender;
  const link = new ViewerLink(handoff.connections[0]!);
  t.after(() => link.close());
  forwarded.linkTo!(link, negotiated);
  link.listen({
    onRtcp: (packet: RtcpPacket) => {
      if (forwarded.receiveRtcp!(packet)) return;
      const reason = unknownSsrcReason(packet, () => false);
      if (reason) metrics.malformedInput.inc({ kind: "rtcp", reason });
    },
    onClosed: () => undefined,
    onMalformed: (kind, reason) => metrics.malformedInput.inc({ kind, reason }),
  });
  await node.close();

  const received: RtpPacket[] = [];
  viewerTransport.onRtp.subscribe((rtp) => received.push(rtp));
  const srSeen: number[] = [];
  viewerTransport.onRtcp.subscribe((p: RtcpPacket) => {
    if (p instanceof RtcpSrPacket) srSeen.push(p.ssrc);
  });
  const payloads: Buffer[] = [];
  for (let i = 0; i < 50; i++) {
    const payload = Buffer.from([0x10, i === 0 ? 0x00 : 0x01, ...Buffer.alloc(100, i)]);
    payloads.push(payload);
    source.push(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: (65530 + i) & 0xffff, timestamp: i * 3000, ssrc: 1234, marker: true }), payload));
    await new Promise((r) => setTimeout(r, 2));
  }
  await poll(() => received.length, (n) => n >= 50, 5000, "50 packets at the viewer", FAST);
  const first = received[0]!.header.sequenceNumber;
  received.slice(0, 50).forEach((p, i) => {
    assert.equal(p.header.ssrc, sender.ssrc);
    assert.equal(p.header.payloadType, negotiated.payloadType);
    assert.equal(p.header.sequenceNumber, (first + i) & 0xffff, "contiguous rewritten sequence");
    assert.ok(p.payload.equals(payloads[i]!), "payload intact");
  });
  // werift numbers the extensions itself; the handoff says which ids were negotiated
  const idOf = (uri: string) => negotiated.headerExtensions.find((e) => e.uri === uri)?.id;
  const mid = received[0]!.header.extensions.find((e) => e.id === idOf(RTP_EXTENSION_URI.sdesMid));
  assert.equal(mid?.payload.toString(), negotiated.mid);
  assert.ok(received[0]!.header.extensions.some((e) => e.id === idOf(RTP_EXTENSION_URI.absSendTime)), "abs-send-time extension present");

  // viewer NACKs packet #10 three times in quick succession (as werift's receiver repeats)
  const nackSeq = (first + 10) & 0xffff;
  const before = received.length;
  const nack = (ssrc: number, lost: number[]) => viewerTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: ssrc, lost }) })]);
  await nack(sender.ssrc, [nackSeq]);
  await nack(sender.ssrc, [nackSeq]);
  await nack(sender.ssrc, [nackSeq]);
  await poll(() => received.length, (n) => n > before, 3000, "the retransmission", FAST);
  // Measured, not guarded: no second retransmission may follow within these 50 ms.
  await new Promise((r) => setTimeout(r, 50));
  const resent = received.slice(before);
  assert.equal(resent.length, 1, "three NACKs within one RTT -> one retransmission");
  assert.equal(resent[0]!.header.sequenceNumber, nackSeq);
  assert.ok(resent[0]!.payload.equals(payloads[10]!));
  assert.equal(forwarded.stats().retransmitted, 1);
  assert.equal(forwarded.stats().nackSuppressed, 2);

  // a NACK naming an SSRC this connection never sent, and one listing 4,000 sequence numbers
  const malformed = async (reason: string) => (await metrics.malformedInput.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  await nack(0xdeadbeef, [1, 2, 3]);
  await nack(sender.ssrc, Array.from({ length: 4000 }, (_, i) => (first + 100 + i * 2) & 0xffff));
  await poll(async () => [await malformed("nack_unknown_ssrc"), await malformed("nack_too_many_seqs")], (counts) => counts.every((n) => n >= 1), 3000, "both NACKs counted as malformed", FAST);
  assert.equal(await malformed("nack_unknown_ssrc"), 1);
  assert.equal(await malformed("nack_too_many_seqs"), 1);
  assert.equal(forwarded.stats().retransmitted, 1, "neither NACK caused a retransmission (unknown SSRC; seqs never sent)");

  await poll(() => srSeen.length, (n) => n > 0, 3000, "a sender report at the viewer", FAST);
  assert.equal(srSeen[0], sender.ssrc);
  forwarded.close();
  forwarded.close();
  assert.equal(source.viewerCount(), 0);
});

test("a peer connection that is not connected -> handOffViewer refuses it naming the seams, nothing taken over", () => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const { sender } = pc.addTransceiver("video", { direction: "sendonly" });
  try {
    assert.throws(
      () => handOffViewer(pc, [sender]),
      (err: Error) => err instanceof WeriftSeamError && /seam "viewer-handoff"/.test(err.message) && /not taken over/.test(err.message),
    );
  } finally {
    void pc.close();
  }
});

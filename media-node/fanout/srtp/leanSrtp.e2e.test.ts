/**
 * The lean path's own SRTP against a REAL werift viewer over loopback UDP (DTLS handshake,
 * keys from the exporter, werift's receiving SrtpSession): for each profile werift can
 * negotiate, packets sent across a 16-bit sequence wrap, plus resends of pre-wrap sequence
 * numbers after it, all arrive decrypted and intact; werift's own srtp.encrypt is never used
 * for the lean sender's RTP; the transport's getStats counters still move.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, type RtpPacket } from "werift";
import { leanRtpOutputFor, leanSrtpMode, type LeanRtpOutput } from "./weriftTransport.js";
import type { SrtpTransportView } from "./weriftTransport.js";

async function within<T>(ms: number, what: string, fn: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface TransportWithSrtp extends SrtpTransportView {
  srtpProfiles: number[];
  state: string;
  onRtp: { subscribe(fn: (rtp: RtpPacket) => void): unknown };
  srtp: SrtpTransportView["srtp"] & { encrypt: (...args: unknown[]) => Buffer };
}

for (const [name, profile] of [
  ["AEAD_AES_128_GCM", ProtectionProfileAeadAes128Gcm],
  ["AES_CM_128_HMAC_SHA1_80", ProtectionProfileAes128CmHmacSha1_80],
] as const) {
  test(`${name}: a real werift viewer decrypts lean-protected packets across a sequence wrap, resends included`, async (t) => {
    assert.equal(leanSrtpMode(), "fast");
    const config = {
      iceServers: [],
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: "127.0.0.1" },
      iceAdditionalHostAddresses: ["127.0.0.1"],
      codecs: { video: [new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000 })], audio: [] },
    };
    const server = new RTCPeerConnection(config);
    const viewer = new RTCPeerConnection(config);
    t.after(async () => {
      await Promise.all([server.close(), viewer.close()]);
    });
    viewer.addTransceiver("video", { direction: "recvonly" });
    const transceiver = server.addTransceiver("video", { direction: "sendonly" });
    await viewer.setLocalDescription(await viewer.createOffer());
    // offer only this profile from the viewer's DTLS side, so the handshake must pick it
    const viewerTransport = viewer.getTransceivers()[0]!.receiver.dtlsTransport as unknown as TransportWithSrtp;
    viewerTransport.srtpProfiles = [profile];
    await within(5000, "viewer ICE gathering", () => viewer.iceGatheringState === "complete");
    await server.setRemoteDescription(viewer.localDescription!);
    await server.setLocalDescription(await server.createAnswer());
    await within(5000, "server ICE gathering", () => server.iceGatheringState === "complete");
    await viewer.setRemoteDescription(server.localDescription!);
    await within(10_000, "both peers connected", () => server.connectionState === "connected" && viewer.connectionState === "connected");

    const serverTransport = transceiver.sender.dtlsTransport as unknown as TransportWithSrtp;
    assert.equal(serverTransport.srtp.config?.profile, profile, "negotiated the profile under test");
    let weriftEncrypts = 0;
    const weriftEncrypt = serverTransport.srtp.encrypt.bind(serverTransport.srtp);
    serverTransport.srtp.encrypt = (...args: unknown[]) => {
      weriftEncrypts++;
      return weriftEncrypt(...args);
    };
    const received: RtpPacket[] = [];
    viewerTransport.onRtp.subscribe((rtp) => received.push(rtp));

    const out: LeanRtpOutput = leanRtpOutputFor(serverTransport);
    assert.equal(leanRtpOutputFor(serverTransport), out, "one output per transport");
    const ssrc = transceiver.sender.ssrc;
    const header = new RtpHeader({ payloadType: 96, ssrc });
    const sent = new Map<number, Buffer>();
    const packetsBefore = serverTransport.packetsSent;
    const send = (seq: number, payload: Buffer) => {
      header.sequenceNumber = seq;
      header.timestamp = seq * 3000;
      out.send(payload, header as never);
    };
    // 65526 .. 65535, 0 .. 9: twenty new packets across the wrap
    const order = Array.from({ length: 20 }, (_, i) => (65526 + i) & 0xffff);
    for (const seq of order) {
      const payload = randomBytes(200 + (seq % 7));
      sent.set(seq, payload);
      send(seq, payload);
      await new Promise((r) => setTimeout(r, 2));
    }
    await within(5000, "20 packets at the viewer", () => received.length >= 20);
    // NACK answers on the same SSRC after the wrap: pre-wrap (ROC 0) and post-wrap (ROC 1)
    for (const seq of [65533, 65535, 3]) send(seq, sent.get(seq)!);
    await within(5000, "3 resends at the viewer", () => received.length >= 23);

    assert.deepEqual(
      received.map((p) => p.header.sequenceNumber),
      [...order, 65533, 65535, 3],
    );
    for (const p of received) {
      assert.equal(p.header.ssrc, ssrc);
      assert.ok(p.payload.equals(sent.get(p.header.sequenceNumber)!), `payload of seq ${p.header.sequenceNumber} intact`);
    }
    assert.equal(weriftEncrypts, 0, "werift's per-packet SRTP was not used for the lean RTP");
    assert.equal(serverTransport.packetsSent - packetsBefore, 23, "transport counters still count lean packets");
  });
}

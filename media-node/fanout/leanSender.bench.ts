/**
 * Micro-benchmark (not a test): server CPU per forwarded packet, lean path vs werift's stock
 * `RTCRtpSender.sendRtp`, with real SRTP (AES-128-CM + HMAC-SHA1-80) and a no-op socket so
 * only the per-viewer send work is measured.
 *
 *   npx tsx media-node/fanout/leanSender.bench.ts [viewers=100] [packets=2000]
 */
import { randomBytes } from "node:crypto";
import { MediaStreamTrack, RTCRtpCodecParameters, RTCRtpSender, RtpHeader, RtpPacket, SrtpSession, ProtectionProfileAes128CmHmacSha1_80 } from "werift";
import { createMetrics } from "../observe/metrics.js";
import { createFanoutSource } from "./fanoutSource.js";
import { createReportScheduler } from "./reportScheduler.js";

const viewers = Number(process.argv[2] ?? 100);
const packets = Number(process.argv[3] ?? 2000);

function fakeTransport(withSrtp: boolean) {
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(14), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(14) };
  const srtp = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
  let bytes = 0;
  return {
    state: "connected",
    transportSequenceNumber: 0,
    // same shape as RTCDtlsTransport.sendRtp: encrypt synchronously, then the (no-op) socket
    async sendRtp(payload: Buffer, header: RtpHeader) {
      const enc = withSrtp ? srtp.encrypt(payload, header) : header.serialize(header.serializeSize);
      bytes += enc.length;
      return enc.length;
    },
    async sendRtcp() {
      return 0;
    },
    onRtcp: { subscribe: () => ({ unSubscribe: () => undefined }) },
    onStateChange: { subscribe: () => ({ unSubscribe: () => undefined }) },
    sent: () => bytes,
  };
}

const codec = () => new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: 96 });
const sourcePackets = Array.from({ length: packets }, (_, i) => new RtpPacket(new RtpHeader({ sequenceNumber: i & 0xffff, timestamp: i * 3000, payloadType: 96, ssrc: 7 }), randomBytes(1100)));

/** CPU for fn plus the promise continuations it queued (stock does BWE work after its await). */
async function cpuMicros(fn: () => void): Promise<number> {
  const start = process.cpuUsage();
  fn();
  await new Promise((r) => setImmediate(r));
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

async function lean(withSrtp: boolean): Promise<number> {
  const metrics = createMetrics({ version: "b", commit: "b", image: "b" }, { defaultMetrics: false });
  const reports = createReportScheduler({ intervalMs: 1000, metrics });
  const source = createFanoutSource({ path: "b", kind: "video", codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 }, nack: { mode: "shared", historyPackets: 512 }, reports, metrics, requestKeyframe: () => undefined });
  for (let v = 0; v < viewers; v++) {
    const sender = new RTCRtpSender("video");
    const internals = sender as unknown as Record<string, unknown>;
    internals.codec = codec();
    internals.dtlsTransport = fakeTransport(withSrtp);
    source.attach({ id: `v${v}`, pc: { getSenders: () => [] } as never, transceiver: {} as never, sender });
  }
  for (const p of sourcePackets.slice(0, 50)) source.push(p); // warm-up
  await new Promise((r) => setImmediate(r));
  const us = await cpuMicros(() => {
    for (const p of sourcePackets) source.push(p);
  });
  await new Promise((r) => setImmediate(r));
  source.close();
  reports.close();
  return us / (packets * viewers);
}

async function stock(withSrtp: boolean): Promise<number> {
  const tracks: MediaStreamTrack[] = [];
  const senders: RTCRtpSender[] = [];
  for (let v = 0; v < viewers; v++) {
    const track = new MediaStreamTrack({ kind: "video" });
    const sender = new RTCRtpSender(track);
    sender.setDtlsTransport(fakeTransport(withSrtp) as never);
    (sender as unknown as Record<string, unknown>).codec = codec();
    tracks.push(track);
    senders.push(sender);
  }
  const push = (p: RtpPacket) => {
    for (const track of tracks) track.writeRtp(p);
  };
  for (const p of sourcePackets.slice(0, 50)) push(p);
  await new Promise((r) => setImmediate(r));
  const us = await cpuMicros(() => {
    for (const p of sourcePackets) push(p);
  });
  await new Promise((r) => setImmediate(r));
  for (const s of senders) s.stop();
  return us / (packets * viewers);
}

const rows: Record<string, string> = {};
for (const withSrtp of [false, true]) {
  const label = withSrtp ? "with SRTP" : "header only";
  const l = await lean(withSrtp);
  const s = await stock(withSrtp);
  rows[label] = `lean ${l.toFixed(2)} µs/packet, stock ${s.toFixed(2)} µs/packet, ratio ${(l / s).toFixed(2)}`;
}
console.log(JSON.stringify({ viewers, packets, ...rows }, null, 2));
process.exit(0);

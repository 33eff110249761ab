/**
 * Micro-benchmark (not a test): server CPU per forwarded packet, lean path vs werift's stock
 * `RTCRtpSender.sendRtp`, with real SRTP in both profiles werift negotiates
 * (AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM, werift's preferred one) and a no-op socket so
 * only the per-viewer send work is measured. Columns: stock, lean protecting with werift's
 * SrtpSession, lean with our own SRTP (srtp/, what linked viewers use).
 *
 *   npx tsx test/bench/leanSender.ts [viewers=100] [packets=2000]
 */
import { randomBytes } from "node:crypto";
import { MediaStreamTrack, RTCRtpCodecParameters, RTCRtpSender, RtpHeader, RtpPacket, SrtpSession, ProtectionProfileAes128CmHmacSha1_80, ProtectionProfileAeadAes128Gcm, keyLength, saltLength } from "werift";
import { createMetrics } from "../../media-node/observe/metrics.js";
import { createFanoutSource } from "../../media-node/fanout/fanoutSource.js";
import { createReportScheduler } from "../../media-node/fanout/reportScheduler.js";
import { createSrtpProtector } from "../../media-node/fanout/srtp/createProtector.js";
import { rtpHeaderLength, writeRtpHeader, type RtpHeaderFields } from "../../media-node/fanout/srtp/rtpHeaderWriter.js";
import type { LinkedConnection, NegotiatedSender } from "../../media-node/fanout/types.js";

type LeanSrtpMode = "none" | "werift" | "own";

const viewers = Number(process.argv[2] ?? 100);
const packets = Number(process.argv[3] ?? 2000);

type Profile = typeof ProtectionProfileAes128CmHmacSha1_80 | typeof ProtectionProfileAeadAes128Gcm;

/** The shape of a connected RTCDtlsTransport (srtp session with its config, ICE connection, counters). */
function fakeTransport(profile: Profile | undefined) {
  const p = profile ?? ProtectionProfileAes128CmHmacSha1_80;
  const keys = { localMasterKey: randomBytes(keyLength(p)!), localMasterSalt: randomBytes(saltLength(p)!), remoteMasterKey: randomBytes(keyLength(p)!), remoteMasterSalt: randomBytes(saltLength(p)!) };
  const srtp = new SrtpSession({ keys, profile: p });
  let bytes = 0;
  const connection = {
    // the no-op socket
    async send(data: Buffer) {
      bytes += data.length;
    },
  };
  return {
    state: "connected",
    transportSequenceNumber: 0,
    srtp,
    iceTransport: { connection },
    bytesSent: 0,
    packetsSent: 0,
    // same shape as RTCDtlsTransport.sendRtp: encrypt synchronously, then the (no-op) socket
    async sendRtp(payload: Buffer, header: RtpHeader) {
      const enc = profile !== undefined ? srtp.encrypt(payload, header) : header.serialize(header.serializeSize);
      this.bytesSent += enc.length;
      this.packetsSent++;
      await connection.send(enc).catch(() => undefined);
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

/** A viewer's connection with a no-op socket, protecting the way `mode` says. */
function linkedConnection(profile: Profile | undefined, mode: LeanSrtpMode): LinkedConnection {
  const p = profile ?? ProtectionProfileAes128CmHmacSha1_80;
  const key = randomBytes(keyLength(p)!);
  const salt = randomBytes(saltLength(p)!);
  let bytes = 0;
  let twcc = 0;
  let sendRtp: LinkedConnection["sendRtp"];
  if (mode === "own") {
    const protector = createSrtpProtector({ profile: p, masterKey: key, masterSalt: salt });
    sendRtp = (h, payload) => void (bytes += protector.protect(h, payload)?.length ?? 0);
  } else if (mode === "werift") {
    const session = new SrtpSession({ profile: p, keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt } });
    const header = new RtpHeader();
    sendRtp = (h: RtpHeaderFields, payload) => {
      Object.assign(header, h);
      bytes += session.encrypt(payload as Buffer, header).length;
    };
  } else {
    sendRtp = (h, payload) => {
      const buf = Buffer.allocUnsafe(rtpHeaderLength(h) + payload.length);
      buf.set(payload, writeRtpHeader(h, buf, 0));
      bytes += buf.length;
    };
  }
  return { isClosed: false, sendRtp, sendRtcp: () => undefined, nextTransportSeq: () => (twcc = (twcc + 1) & 0xffff) };
}

async function lean(profile: Profile | undefined, srtpMode: LeanSrtpMode): Promise<number> {
  const metrics = createMetrics({ version: "b", commit: "b", image: "b" }, { defaultMetrics: false });
  const reports = createReportScheduler({ intervalMs: 1000, metrics });
  const source = createFanoutSource({ path: "b", kind: "video", codec: { mimeType: "video/VP8", clockRate: 90000, payloadType: 96 }, nack: { mode: "shared", historyPackets: 512 }, reports, metrics, requestKeyframe: () => undefined });
  for (let v = 0; v < viewers; v++) {
    const sender = new RTCRtpSender("video");
    const negotiated: NegotiatedSender = { ssrc: sender.ssrc, rtxSsrc: sender.rtxSsrc, payloadType: 96, clockRate: 90000, mimeType: "video/VP8", rtxPayloadType: undefined, mid: "0", cname: undefined, headerExtensions: [] };
    source.attach({ id: `v${v}`, sender }).linkTo!(linkedConnection(profile, srtpMode), negotiated);
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

async function stock(profile: Profile | undefined): Promise<number> {
  const tracks: MediaStreamTrack[] = [];
  const senders: RTCRtpSender[] = [];
  for (let v = 0; v < viewers; v++) {
    const track = new MediaStreamTrack({ kind: "video" });
    const sender = new RTCRtpSender(track);
    sender.setDtlsTransport(fakeTransport(profile) as never);
    sender.codec = codec();
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

const us = (n: number) => `${n.toFixed(2)} µs/packet`;
const rows: Record<string, unknown> = {};
{
  const l = await lean(undefined, "none"); // no SRTP at all: header work only
  const st = await stock(undefined);
  rows["header only"] = { stock: us(st), lean: us(l), ratio: +(l / st).toFixed(2) };
}
for (const [name, profile] of [
  ["AES_CM_128_HMAC_SHA1_80", ProtectionProfileAes128CmHmacSha1_80],
  ["AEAD_AES_128_GCM", ProtectionProfileAeadAes128Gcm],
] as const) {
  const st = await stock(profile);
  const lw = await lean(profile, "werift");
  const lf = await lean(profile, "own");
  rows[name] = {
    stock: us(st),
    "lean+weriftSRTP": us(lw),
    "lean+fastSRTP": us(lf),
    "ratio lean+weriftSRTP/stock": +(lw / st).toFixed(2),
    "ratio lean+fastSRTP/stock": +(lf / st).toFixed(2),
  };
}
console.log(JSON.stringify({ viewers, packets, ...rows }, null, 2));
process.exit(0);

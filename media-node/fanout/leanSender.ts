/**
 * The ONE place that sends RTP/RTCP through werift internals (see weriftSeam.ts for what is
 * relied on and how it is checked). Per viewer: one reused RtpHeader (SSRC = sender.ssrc,
 * negotiated payload type, rewritten seq/ts, the viewer's own mid / abs-send-time /
 * transport-wide-cc extensions), the source payload passed by reference to the transport's
 * lean RTP output (srtp/weriftTransport.ts: our own SRTP protector keyed once from the DTLS
 * transport's master keys, then its ICE connection; `MEDIA_NODE_LEAN_SRTP=werift` falls back
 * to `dtlsTransport.sendRtp`), and the sender's RTCP taken over: `handleRtcpPacket` is replaced
 * so NACK, PLI/FIR and receiver reports come to the fan-out, and the stock per-sender RTCP
 * loop is latched off.
 */
import {
  GenericNack,
  PictureLossIndication,
  RTP_EXTENSION_URI,
  RtcpPayloadSpecificFeedback,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  RtpHeader,
  SourceDescriptionChunk,
  SourceDescriptionItem,
  type RTCRtpSender,
  type RtcpPacket,
} from "werift";
import { absSendTime24, compactNtp, ntpFromMs, rtpTimestampAt } from "./rtcpMath.js";
import { seqAdd } from "./seq.js";
import { leanRtpOutputFor, type LeanRtpOutput } from "./srtp/weriftTransport.js";
import { assertTransportSeam, assertWeriftSeams, senderInternals, type SenderInternals, type TransportInternals } from "./weriftSeam.js";

/** FIR (RFC 5104) feedback message type in a payload-specific feedback packet. */
const FIR_COUNT = 4;

export interface LeanSenderEvents {
  onNack(lost: readonly number[]): void;
  onKeyframeRequest(): void;
  onReceiverReport(fractionLost: number, lsr: number, dlsr: number): void;
  /** The sender's DTLS transport was first seen or replaced (renegotiation, BUNDLE). */
  onTransport?(transport: TransportInternals): void;
}

interface Extension {
  id: number;
  payload: Buffer;
}

const noop = () => undefined;

export class LeanSender {
  private readonly sender: SenderInternals;
  private readonly header = new RtpHeader();
  private rtxHeader: RtpHeader | undefined;
  private rtxSeq = Math.floor(Math.random() * 0x10000);
  private extensionsFrom: unknown;
  private absSendTime: Buffer | undefined;
  private twcc: Buffer | undefined;
  private transport: TransportInternals | undefined;
  /** RTP goes out through our own SRTP protector keyed from the transport (srtp/), not werift's per-packet cipher. */
  private rtpOut: LeanRtpOutput | undefined;
  private readonly originalHandleRtcp: SenderInternals["handleRtcpPacket"];
  private readonly originalSendRtp: SenderInternals["sendRtp"];
  private closed = false;
  packetCount = 0;
  octetCount = 0;
  lastTs = 0;
  lastSendMs = 0;
  /** LSR value our last SR carries and when it left, for RTT. */
  lastSrCompact = -1;
  lastSrSentMs = 0;

  constructor(sender: RTCRtpSender, private readonly events: LeanSenderEvents) {
    assertWeriftSeams();
    this.sender = senderInternals(sender);
    if (this.sender.track) throw new Error("lean fan-out needs a sender without a track (addTransceiver(kind), not addTrack)");
    if (this.sender.rtcpRunning) this.sender.rtcpCancel.abort(); // a stock loop already started: end it
    this.sender.rtcpRunning = true; // latch: runRtcp() returns at once (checked by assertWeriftSeams)
    this.originalHandleRtcp = this.sender.handleRtcpPacket;
    this.originalSendRtp = this.sender.sendRtp;
    this.sender.handleRtcpPacket = (packet) => this.handleRtcp(packet);
    // a track attached later must not interleave stock sends with ours on the same SSRC
    this.sender.sendRtp = async () => undefined;
  }

  get ssrc(): number {
    return this.sender.ssrc;
  }

  /** Connected and negotiated: packets sent now reach the viewer. */
  ready(): boolean {
    const transport = this.sender.dtlsTransport;
    return !this.closed && transport !== undefined && transport.state === "connected" && this.sender.codec !== undefined;
  }

  /** The viewer's reused header on its main SSRC and negotiated payload type. */
  private mainHeader(seq: number, ts: number, marker: boolean, nowMs: number): RtpHeader {
    const h = this.prepare(this.header, nowMs);
    h.payloadType = this.sender.codec!.payloadType;
    h.ssrc = this.sender.ssrc;
    h.sequenceNumber = seq;
    h.timestamp = ts;
    h.marker = marker;
    return h;
  }

  /** Send one packet; the payload is passed by reference (SRTP writes a new buffer). */
  send(seq: number, ts: number, marker: boolean, payload: Buffer, nowMs: number): void {
    const h = this.mainHeader(seq, ts, marker, nowMs);
    this.packetCount = (this.packetCount + 1) >>> 0;
    this.octetCount = (this.octetCount + payload.length) >>> 0;
    this.lastTs = ts;
    this.lastSendMs = nowMs;
    this.rtpOut!.send(payload, h); // protect + send; never throws for a send failure
  }

  /** Retransmit: on the RTX SSRC when RTX was negotiated (RFC 4588), else as the original packet. */
  resend(seq: number, ts: number, marker: boolean, payload: Buffer, nowMs: number): void {
    const rtxPt = this.sender.rtxPayloadType;
    if (rtxPt === undefined) {
      const h = this.mainHeader(seq, ts, marker, nowMs);
      // same SSRC as the original: the protector gives a resent sequence number the ROC it had
      this.rtpOut!.send(payload, h);
      return;
    }
    const h = this.prepare((this.rtxHeader ??= new RtpHeader()), nowMs);
    h.payloadType = rtxPt;
    h.ssrc = this.sender.rtxSsrc;
    h.sequenceNumber = this.rtxSeq;
    this.rtxSeq = seqAdd(this.rtxSeq, 1);
    h.timestamp = ts;
    h.marker = marker;
    const osn = Buffer.allocUnsafe(2 + payload.length);
    osn.writeUInt16BE(seq, 0);
    payload.copy(osn, 2);
    this.rtpOut!.send(osn, h);
  }

  /** SR + SDES(CNAME) for this viewer; false when nothing was sent yet or not connected. */
  sendSenderReport(nowMs: number, clockRate: number): boolean {
    if (!this.ready() || this.packetCount === 0) return false;
    const ntp = ntpFromMs(nowMs);
    const packets: { serialize(): Buffer }[] = [
      new RtcpSrPacket({
        ssrc: this.sender.ssrc,
        senderInfo: new RtcpSenderInfo({
          ntpTimestamp: ntp,
          rtpTimestamp: rtpTimestampAt(nowMs, this.lastSendMs, this.lastTs, clockRate),
          packetCount: this.packetCount,
          octetCount: this.octetCount,
        }),
      }),
    ];
    if (this.sender.cname) {
      packets.push(
        new RtcpSourceDescriptionPacket({
          chunks: [new SourceDescriptionChunk({ source: this.sender.ssrc, items: [new SourceDescriptionItem({ type: 1, text: this.sender.cname })] })],
        }),
      );
    }
    this.lastSrCompact = compactNtp(ntp);
    this.lastSrSentMs = nowMs;
    this.transport!.sendRtcp(packets).catch(noop);
    return true;
  }

  /** Hand the sender back to werift's own RTCP handling. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sender.handleRtcpPacket = this.originalHandleRtcp;
    this.sender.sendRtp = this.originalSendRtp;
  }

  /** Per-viewer RTCP from werift's router (already matched to this sender's SSRC). */
  private handleRtcp(packet: RtcpPacket): void {
    if (this.closed) return;
    if (packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket) {
      for (const report of packet.reports) {
        if (report.ssrc === this.sender.ssrc) this.events.onReceiverReport(report.fractionLost / 256, report.lsr, report.dlsr);
      }
    } else if (packet instanceof RtcpTransportLayerFeedback) {
      if (packet.feedback instanceof GenericNack) this.events.onNack(packet.feedback.lost);
      // transport-wide CC feedback: no bandwidth estimation on the fan-out path
    } else if (packet instanceof RtcpPayloadSpecificFeedback) {
      if (packet.feedback instanceof PictureLossIndication || packet.feedback.count === FIR_COUNT) this.events.onKeyframeRequest();
    }
  }

  /** Fill the per-viewer extensions (rebuilt only when negotiation changed them). */
  private prepare(h: RtpHeader, nowMs: number): RtpHeader {
    const transport = this.sender.dtlsTransport;
    if (transport !== this.transport) {
      assertTransportSeam(transport);
      this.transport = transport;
      this.rtpOut = leanRtpOutputFor(transport as unknown as Parameters<typeof leanRtpOutputFor>[0]);
      this.events.onTransport?.(transport);
    }
    if (this.extensionsFrom !== this.sender.headerExtensions) this.buildExtensions();
    h.extensions = this.extensions;
    h.padding = false;
    h.csrc = [];
    if (this.absSendTime) this.absSendTime.writeUIntBE(absSendTime24(nowMs), 0, 3);
    if (this.twcc) {
      const t = this.transport!;
      t.transportSequenceNumber = seqAdd(t.transportSequenceNumber, 1);
      this.twcc.writeUInt16BE(t.transportSequenceNumber, 0);
    }
    return h;
  }

  private extensions: Extension[] = [];

  private buildExtensions(): void {
    const negotiated = this.sender.headerExtensions ?? [];
    this.extensionsFrom = this.sender.headerExtensions;
    this.absSendTime = undefined;
    this.twcc = undefined;
    const list: Extension[] = [];
    for (const { id, uri } of negotiated) {
      if (uri === RTP_EXTENSION_URI.sdesMid && this.sender.mid) list.push({ id, payload: Buffer.from(this.sender.mid) });
      else if (uri === RTP_EXTENSION_URI.absSendTime) list.push({ id, payload: (this.absSendTime = Buffer.alloc(3)) });
      else if (uri === RTP_EXTENSION_URI.transportWideCC) list.push({ id, payload: (this.twcc = Buffer.alloc(2)) });
    }
    this.extensions = list.sort((a, b) => a.id - b.id);
  }
}

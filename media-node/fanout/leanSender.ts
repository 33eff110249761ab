/**
 * Where a viewer's packet is rewritten and sent: one reused RTP header per viewer (SSRC =
 * the negotiated sender's, negotiated payload type, rewritten seq/ts, the viewer's own mid /
 * abs-send-time / transport-wide-cc extensions), the source payload passed by reference to the
 * viewer's connection, which protects it with the node's own SRTP (session/viewerLink.ts,
 * srtp/) and sends it. Sender reports, RTX retransmissions (RFC 4588) and the viewer's RTCP
 * for this SSRC (NACK, PLI/FIR, receiver reports) go through here too.
 *
 * It exists only once the viewer's connection is up and handed over from werift
 * (werift/handoff.ts): it is built from plain data (`NegotiatedSender`) and a
 * `LinkedConnection`, and knows nothing of werift's sender, transport or router.
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
  SourceDescriptionChunk,
  SourceDescriptionItem,
  type RtcpPacket,
} from "werift";
import { absSendTime24, compactNtp, ntpFromMs, rtpTimestampAt } from "./rtcpMath.js";
import { seqAdd } from "./seq.js";
import type { RtpHeaderFields } from "./srtp/rtpHeaderWriter.js";
import type { LinkedConnection, NegotiatedSender } from "./types.js";

/** FIR (RFC 5104) feedback message type in a payload-specific feedback packet. */
const FIR_COUNT = 4;

export interface LeanSenderEvents {
  onNack(lost: readonly number[]): void;
  onKeyframeRequest(): void;
  onReceiverReport(fractionLost: number, lsr: number, dlsr: number): void;
}

interface Extension {
  id: number;
  payload: Buffer;
}

/** A header object reused packet after packet (the protector reads it during the send). */
function emptyHeader(extensions: Extension[]): RtpHeaderFields & { extensions: Extension[] } {
  return { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, marker: false, padding: false, csrc: [], extensions };
}

export class LeanSender {
  private readonly header: ReturnType<typeof emptyHeader>;
  private rtxHeader: ReturnType<typeof emptyHeader> | undefined;
  private rtxSeq = Math.floor(Math.random() * 0x10000);
  private readonly extensions: Extension[];
  private readonly absSendTime: Buffer | undefined;
  private readonly twcc: Buffer | undefined;
  private closed = false;
  packetCount = 0;
  octetCount = 0;
  lastTs = 0;
  lastSendMs = 0;
  /** LSR value our last SR carries and when it left, for RTT. */
  lastSrCompact = -1;
  lastSrSentMs = 0;

  constructor(
    private readonly sender: NegotiatedSender,
    private readonly connection: LinkedConnection,
    private readonly events: LeanSenderEvents,
  ) {
    const list: Extension[] = [];
    let absSendTime: Buffer | undefined;
    let twcc: Buffer | undefined;
    for (const { id, uri } of sender.headerExtensions) {
      if (uri === RTP_EXTENSION_URI.sdesMid && sender.mid) list.push({ id, payload: Buffer.from(sender.mid) });
      else if (uri === RTP_EXTENSION_URI.absSendTime) list.push({ id, payload: (absSendTime = Buffer.alloc(3)) });
      else if (uri === RTP_EXTENSION_URI.transportWideCC) list.push({ id, payload: (twcc = Buffer.alloc(2)) });
    }
    this.extensions = list.sort((a, b) => a.id - b.id);
    this.absSendTime = absSendTime;
    this.twcc = twcc;
    this.header = emptyHeader(this.extensions);
    this.header.payloadType = sender.payloadType;
    this.header.ssrc = sender.ssrc;
  }

  get ssrc(): number {
    return this.sender.ssrc;
  }

  /** Packets sent now reach the viewer. */
  ready(): boolean {
    return !this.closed && !this.connection.isClosed;
  }

  /** Send one packet; the payload is passed by reference (SRTP writes a new buffer). */
  send(seq: number, ts: number, marker: boolean, payload: Buffer, nowMs: number): void {
    const h = this.prepare(this.header, nowMs);
    h.sequenceNumber = seq;
    h.timestamp = ts;
    h.marker = marker;
    this.packetCount = (this.packetCount + 1) >>> 0;
    this.octetCount = (this.octetCount + payload.length) >>> 0;
    this.lastTs = ts;
    this.lastSendMs = nowMs;
    this.connection.sendRtp(h, payload); // protect + send; never throws for a send failure
  }

  /** Retransmit: on the RTX SSRC when RTX was negotiated (RFC 4588), else as the original packet. */
  resend(seq: number, ts: number, marker: boolean, payload: Buffer, nowMs: number): void {
    const rtxPt = this.sender.rtxPayloadType;
    if (rtxPt === undefined) {
      const h = this.prepare(this.header, nowMs);
      h.sequenceNumber = seq;
      h.timestamp = ts;
      h.marker = marker;
      // same SSRC as the original: the protector gives a resent sequence number the ROC it had
      this.connection.sendRtp(h, payload);
      return;
    }
    const h = this.prepare((this.rtxHeader ??= emptyHeader(this.extensions)), nowMs);
    h.payloadType = rtxPt;
    h.ssrc = this.sender.rtxSsrc;
    h.sequenceNumber = this.rtxSeq;
    this.rtxSeq = seqAdd(this.rtxSeq, 1);
    h.timestamp = ts;
    h.marker = marker;
    const osn = Buffer.allocUnsafe(2 + payload.length);
    osn.writeUInt16BE(seq, 0);
    payload.copy(osn, 2);
    this.connection.sendRtp(h, osn);
  }

  /** SR + SDES(CNAME) for this viewer; false when nothing was sent yet or the connection is gone. */
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
    this.connection.sendRtcp(packets);
    return true;
  }

  /** RTCP from the viewer's connection: true when it names this sender's SSRC (and was handled). */
  receiveRtcp(packet: RtcpPacket): boolean {
    if (this.closed) return false;
    const ssrc = this.sender.ssrc;
    if (packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket) {
      let mine = false;
      for (const report of packet.reports) {
        if (report.ssrc !== ssrc) continue;
        mine = true;
        this.events.onReceiverReport(report.fractionLost / 256, report.lsr, report.dlsr);
      }
      return mine;
    }
    if (packet instanceof RtcpTransportLayerFeedback) {
      if (packet.feedback.mediaSourceSsrc !== ssrc) return false;
      if (packet.feedback instanceof GenericNack) this.events.onNack(packet.feedback.lost);
      // transport-wide CC feedback: no bandwidth estimation on the fan-out path
      return true;
    }
    if (packet instanceof RtcpPayloadSpecificFeedback) {
      // PLI names the media SSRC; FIR (RFC 5104 §4.3.1) names it in its entries
      const fir = (packet.feedback as { fir?: { ssrc: number }[] }).fir;
      if (packet.feedback.mediaSsrc !== ssrc && !(fir?.some((entry) => entry.ssrc === ssrc) ?? false)) return false;
      if (packet.feedback instanceof PictureLossIndication || packet.feedback.count === FIR_COUNT) this.events.onKeyframeRequest();
      return true;
    }
    return false;
  }

  /** Sends nothing more. Idempotent (the connection is the session's to close). */
  close(): void {
    this.closed = true;
  }

  /** Fill the per-packet extensions. */
  private prepare<H extends RtpHeaderFields>(h: H, nowMs: number): H {
    if (this.absSendTime) this.absSendTime.writeUIntBE(absSendTime24(nowMs), 0, 3);
    if (this.twcc) this.twcc.writeUInt16BE(this.connection.nextTransportSeq(), 0);
    return h;
  }
}

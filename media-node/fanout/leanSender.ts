/**
 * The ONE place that sends RTP/RTCP through werift internals (see weriftSeam.ts for what is
 * relied on and how it is checked). Per viewer: one reused RtpHeader (SSRC = sender.ssrc,
 * negotiated payload type, rewritten seq/ts, the viewer's own mid / abs-send-time /
 * transport-wide-cc extensions), the source payload passed by reference to the transport's
 * lean RTP output (srtp/weriftTransport.ts: our own SRTP protector keyed once from the DTLS
 * transport's master keys, then its ICE connection; `MEDIA_NODE_LEAN_SRTP=werift` falls back
 * to `dtlsTransport.sendRtp`), and the sender's RTCP taken over: `handleRtcpPacket` is replaced
 * so NACK, PLI/FIR and receiver reports come to the fan-out, and the stock per-sender RTCP
 * loop is latched off. Once the session links the viewer (`linkTo`, session/viewer-link.ts)
 * none of that is used any more: a plain copy of the sender's fields, the same protector, and
 * the link's socket and SRTCP; RTCP then arrives through `receiveRtcp`.
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
import type { LinkedConnection } from "./types.js";
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

/** What the header and reports read from the sender; a plain copy once linked. */
type SenderView = Pick<SenderInternals, "ssrc" | "rtxSsrc" | "codec" | "mid" | "cname" | "headerExtensions" | "rtxPayloadType" | "dtlsTransport">;

export class LeanSender {
  private sender: SenderView;
  /** werift's sender while we borrow it; undefined once linked or closed. */
  private weriftSender: SenderInternals | undefined;
  private link: LinkedConnection | undefined;
  private onTransport: ((transport: TransportInternals) => void) | undefined;
  private readonly header = new RtpHeader();
  private rtxHeader: RtpHeader | undefined;
  private rtxSeq = Math.floor(Math.random() * 0x10000);
  private extensionsFrom: unknown;
  private absSendTime: Buffer | undefined;
  private twcc: Buffer | undefined;
  private transport: TransportInternals | undefined;
  /** RTP goes out through our own SRTP protector keyed from the transport (srtp/), not werift's per-packet cipher. */
  private rtpOut: LeanRtpOutput | undefined;
  // werift's own handlers (they close over its sender); dropped when handed back
  private originalHandleRtcp: SenderInternals["handleRtcpPacket"] | undefined;
  private originalSendRtp: SenderInternals["sendRtp"] | undefined;
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
    const werift = senderInternals(sender);
    this.sender = this.weriftSender = werift;
    this.onTransport = events.onTransport;
    if (werift.track) throw new Error("lean fan-out needs a sender without a track (addTransceiver(kind), not addTrack)");
    if (werift.rtcpRunning) werift.rtcpCancel.abort(); // a stock loop already started: end it
    werift.rtcpRunning = true; // latch: runRtcp() returns at once (checked by assertWeriftSeams)
    this.originalHandleRtcp = werift.handleRtcpPacket;
    this.originalSendRtp = werift.sendRtp;
    werift.handleRtcpPacket = (packet) => this.handleRtcp(packet);
    // a track attached later must not interleave stock sends with ours on the same SSRC
    werift.sendRtp = async () => undefined;
  }

  get ssrc(): number {
    return this.sender.ssrc;
  }

  /** Connected and negotiated: packets sent now reach the viewer. */
  ready(): boolean {
    if (this.link) return !this.closed && !this.link.isClosed;
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
    if (this.link) this.link.sendRtcp(packets);
    else this.transport!.sendRtcp(packets).catch(noop);
    return true;
  }

  /** Whether linkTo would succeed now: connected, and an output that can be redirected. */
  canLink(): boolean {
    if (!this.weriftSender || this.link || !this.ready()) return false;
    this.bindTransport();
    return this.rtpOut?.redirect !== undefined;
  }

  /**
   * Send through `link` from now on and let go of werift: the sender's fields are copied, its
   * RTCP hooks handed back, the transport forgotten; the same SRTP protector keeps going.
   * False (nothing changed) when not connected yet or the output cannot be redirected.
   */
  linkTo(link: LinkedConnection): boolean {
    const werift = this.weriftSender;
    if (!werift || !this.canLink()) return false;
    this.rtpOut!.redirect!(link.sendSrtp);
    this.handBack(werift);
    const { ssrc, rtxSsrc, codec, mid, cname, headerExtensions, rtxPayloadType } = werift;
    this.sender = {
      ssrc,
      rtxSsrc,
      codec: codec && { payloadType: codec.payloadType, clockRate: codec.clockRate, mimeType: codec.mimeType },
      mid,
      cname,
      headerExtensions: headerExtensions.map(({ id, uri }) => ({ id, uri })),
      rtxPayloadType,
      dtlsTransport: undefined,
    };
    this.weriftSender = undefined;
    this.transport = undefined;
    this.onTransport = undefined;
    this.link = link;
    return true;
  }

  /** RTCP from a linked connection: true when it names this sender's SSRC (and was handled). */
  receiveRtcp(packet: RtcpPacket): boolean {
    const ssrc = this.sender.ssrc;
    let mine = false;
    if (packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket) mine = packet.reports.some((r) => r.ssrc === ssrc);
    else if (packet instanceof RtcpTransportLayerFeedback) mine = packet.feedback.mediaSourceSsrc === ssrc;
    else if (packet instanceof RtcpPayloadSpecificFeedback) {
      // PLI names the media SSRC; FIR (RFC 5104 §4.3.1) names it in its entries
      const fir = (packet.feedback as { fir?: { ssrc: number }[] }).fir;
      mine = packet.feedback.mediaSsrc === ssrc || (fir?.some((entry) => entry.ssrc === ssrc) ?? false);
    }
    if (mine) this.handleRtcp(packet);
    return mine;
  }

  /** Hand the sender back to werift's own RTCP handling. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.weriftSender) this.handBack(this.weriftSender);
    this.weriftSender = undefined;
  }

  private handBack(werift: SenderInternals): void {
    if (this.originalHandleRtcp) werift.handleRtcpPacket = this.originalHandleRtcp;
    if (this.originalSendRtp) werift.sendRtp = this.originalSendRtp;
    this.originalHandleRtcp = undefined;
    this.originalSendRtp = undefined;
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
    if (!this.link) this.bindTransport();
    if (this.extensionsFrom !== this.sender.headerExtensions) this.buildExtensions();
    h.extensions = this.extensions;
    h.padding = false;
    h.csrc = [];
    if (this.absSendTime) this.absSendTime.writeUIntBE(absSendTime24(nowMs), 0, 3);
    if (this.twcc) {
      if (this.link) this.twcc.writeUInt16BE(this.link.nextTransportSeq(), 0);
      else {
        const t = this.transport!;
        t.transportSequenceNumber = seqAdd(t.transportSequenceNumber, 1);
        this.twcc.writeUInt16BE(t.transportSequenceNumber, 0);
      }
    }
    return h;
  }

  /** Follow the sender's DTLS transport (first use, or werift replaced it). */
  private bindTransport(): void {
    const transport = this.sender.dtlsTransport;
    if (transport === this.transport) return;
    assertTransportSeam(transport);
    this.transport = transport;
    this.rtpOut = leanRtpOutputFor(transport as unknown as Parameters<typeof leanRtpOutputFor>[0]);
    this.onTransport?.(transport);
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

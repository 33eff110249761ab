/**
 * One viewer's outgoing track: the per-viewer state that must differ (seq/ts rewrite, the
 * lean sender with its SSRC and extensions, a tiny NACK de-duplication table) and nothing
 * else. In `perViewer` mode it also owns a history of COPIES, the werift/pion model that the
 * shared history is measured against. It is attached when the viewer negotiates and sends
 * from the moment its connection is handed over (`linkTo`); before that it forwards nothing.
 */
import { randomInt } from "node:crypto";
import type { MediaCounters } from "./mediaCounters.js";
import { PacketHistory, type HistoryEntry } from "./history.js";
import { LeanSender } from "./leanSender.js";
import { answerNack, ResendGuard, type NackContext } from "./nackResponder.js";
import { rttFromReport } from "./rtcpMath.js";
import { SeqRewriter } from "./seqRewriter.js";
import type { RtcpPacket } from "werift";
import type { Clock, ForwardedTrack, ForwardedTrackStats, LinkedConnection, NackMode, NegotiatedSender, ReportTarget, SourceCodec, ViewerBinding } from "./types.js";

/** Smoothing of RTT samples, as RFC 6298 does for SRTT (new = 7/8 old + 1/8 sample). */
const RTT_SMOOTHING = 0.875;

export interface TrackContext {
  codec: SourceCodec;
  mode: NackMode;
  historyPackets: number;
  /** The source's ring in `shared` mode (source sequence numbers), else undefined. */
  sharedHistory: PacketHistory | undefined;
  metrics: MediaCounters;
  clock: Clock;
  requestKeyframe: () => void;
  /** Undefined: forward at once; else hold the viewer until a packet this says starts a keyframe. */
  isKeyframe: ((payload: Buffer) => boolean) | undefined;
  onClose: (track: LeanForwardedTrack) => void;
}

export class LeanForwardedTrack implements ForwardedTrack, ReportTarget {
  readonly id: string;
  /** Set once the viewer's connection is handed over. */
  private lean: LeanSender | undefined;
  private readonly rewriter = new SeqRewriter(randomInt(0x10000), randomInt(0x100000000));
  private readonly guard: ResendGuard | undefined;
  private ownHistory: PacketHistory | undefined;
  private waiting: boolean;
  private keyframeAsked = false;
  private isClosed = false;
  private packetsSent = 0;
  private bytesSent = 0;
  private retransmitted = 0;
  private suppressed = 0;
  private misses = 0;
  private senderReports = 0;
  private fractionLost: number | undefined;
  private rttMs: number | undefined;
  removeReport: () => void = () => undefined;

  constructor(binding: Pick<ViewerBinding, "id">, private readonly ctx: TrackContext) {
    this.id = binding.id;
    this.waiting = ctx.isKeyframe !== undefined;
    this.guard = ctx.mode === "off" ? undefined : new ResendGuard();
  }

  linkTo(connection: LinkedConnection, sender: NegotiatedSender): void {
    if (this.isClosed || this.lean) return;
    const ctx = this.ctx;
    this.lean = new LeanSender(sender, connection, {
      onNack: (lost) => this.onNack(lost),
      onKeyframeRequest: () => ctx.requestKeyframe(),
      onReceiverReport: (fraction, lsr, dlsr) => this.onReceiverReport(fraction, lsr, dlsr),
    });
  }

  receiveRtcp(packet: RtcpPacket): boolean {
    return !this.isClosed && this.lean !== undefined && this.lean.receiveRtcp(packet);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The source started a new numbering: continue this viewer's after `timestampStep`. */
  rebase(timestampStep: number): void {
    this.rewriter.rebase(timestampStep);
  }

  /** Forward one source packet; returns bytes counted as sent, or -1 when not sent. */
  forward(srcSeq: number, srcTs: number, marker: boolean, payload: Buffer, nowMs: number): number {
    const lean = this.lean;
    if (this.isClosed || lean === undefined || !lean.ready()) return -1;
    if (!this.keyframeAsked) {
      this.keyframeAsked = true; // connected now: a keyframe asked for earlier may have gone unseen
      this.ctx.requestKeyframe();
    }
    if (this.waiting) {
      if (!this.ctx.isKeyframe!(payload)) return -1;
      this.waiting = false;
    }
    const seq = this.rewriter.outSeq(srcSeq, srcTs);
    const ts = this.rewriter.outTs(srcTs);
    lean.send(seq, ts, marker, payload, nowMs);
    if (this.ctx.mode === "perViewer") {
      (this.ownHistory ??= new PacketHistory(this.ctx.historyPackets)).put(seq, ts, marker, Buffer.from(payload));
    }
    const bytes = payload.length + 12;
    this.packetsSent++;
    this.bytesSent += bytes;
    return bytes;
  }

  sendReport(nowMs: number): boolean {
    if (this.isClosed || !this.lean?.sendSenderReport(nowMs, this.ctx.codec.clockRate)) return false;
    this.senderReports++;
    return true;
  }

  stats(): ForwardedTrackStats {
    return {
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      retransmitted: this.retransmitted,
      nackSuppressed: this.suppressed,
      nackMisses: this.misses,
      fractionLost: this.fractionLost,
      rttMs: this.rttMs,
      senderReports: this.senderReports,
    };
  }

  /** The SSRC viewers see (for tests and logs); undefined until the connection is handed over. */
  get ssrc(): number | undefined {
    return this.lean?.ssrc;
  }

  historyBytes(): number {
    return this.ownHistory?.bytes() ?? 0;
  }

  nackStateBytes(): number {
    return (this.guard?.bytes() ?? 0) + this.historyBytes();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.removeReport();
    this.lean?.close();
    this.ownHistory?.clear();
    this.ownHistory = undefined;
    this.ctx.onClose(this);
  }

  private onNack(lost: readonly number[]): void {
    const { metrics, mode } = this.ctx;
    if (!this.guard) {
      // `off`: no nack feedback was offered; a peer that NACKs anyway gets nothing
      metrics.nackRequests.inc(lost.length);
      return;
    }
    const shared = mode === "shared";
    const history = shared ? this.ctx.sharedHistory : this.ownHistory;
    const nowMs = this.ctx.clock.now();
    const nackCtx: NackContext = {
      toHistorySeq: shared ? (v) => this.rewriter.sourceSeq(v) : (v) => v,
      lookup: (seq) => history?.get(seq),
      resend: (viewerSeq: number, entry: HistoryEntry) => {
        const ts = shared ? this.rewriter.outTs(entry.timestamp) : entry.timestamp;
        this.lean?.resend(viewerSeq, ts, entry.marker, entry.payload, nowMs);
      },
      guard: this.guard,
      nowMs,
      rttMs: this.rttMs,
    };
    const outcome = answerNack(lost, nackCtx);
    this.retransmitted += outcome.resent;
    this.suppressed += outcome.suppressed;
    this.misses += outcome.misses;
    metrics.nackRequests.inc(outcome.requested);
    if (outcome.resent) metrics.retransmittedPackets.inc(outcome.resent);
    if (outcome.suppressed) metrics.nackSuppressed.inc(outcome.suppressed);
    if (outcome.misses) metrics.nackMisses.inc(outcome.misses);
    if (outcome.ignored) metrics.malformedInput.inc({ kind: "rtcp", reason: "nack_too_many_seqs" });
  }

  private onReceiverReport(fraction: number, lsr: number, dlsr: number): void {
    this.fractionLost = fraction;
    const lean = this.lean;
    if (lsr === 0 || lean === undefined || lsr !== lean.lastSrCompact) return; // not about our latest SR
    const sample = rttFromReport(this.ctx.clock.now(), lean.lastSrSentMs, dlsr);
    if (sample === undefined) return;
    this.rttMs = this.rttMs === undefined ? sample : RTT_SMOOTHING * this.rttMs + (1 - RTT_SMOOTHING) * sample;
  }
}

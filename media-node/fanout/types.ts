/**
 * The fan-out contract, readable without the implementation: one source stream (a publisher's
 * track or an RTP ingest) feeds N viewers. Per viewer only what must differ is kept (SSRC,
 * payload type, sequence/timestamp offsets, header extensions); the payload is never copied
 * per viewer in `shared`/`off` modes. NACKs are answered from ONE history per source in
 * `shared` mode, from a copying history per viewer in `perViewer` mode (the werift/pion model,
 * kept as the baseline), and not at all in `off` mode.
 */
import type { RTCRtpSender, RtcpPacket, RtpPacket } from "werift";
import type { NackMode } from "../config/types.js";
import type { MediaCounters } from "./mediaCounters.js";
import type { NegotiatedSender } from "../werift/types.js";
import type { RtpHeaderFields } from "./srtp/rtpHeaderWriter.js";

export type { NackMode };
export type MediaKind = "video" | "audio";

/** Time and timers come in from outside so RTCP and de-duplication tests run on a fake clock. */
export interface Clock {
  /** Wall-clock milliseconds (fractional allowed); used for NTP timestamps and RTT. */
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The codec the SOURCE sends (what the publisher negotiated or the RTP ingest is configured with). */
export interface SourceCodec {
  mimeType: string;
  clockRate: number;
  payloadType: number;
  channels?: number;
}

export interface NackOptions {
  mode: NackMode;
  /** Ring size; one of HISTORY_SIZES in config/schema.ts (powers of two, 64..32768). */
  historyPackets: number;
}

export interface FanoutSourceOptions {
  path: string;
  kind: MediaKind;
  codec: SourceCodec;
  nack: NackOptions;
  reports: ReportScheduler;
  metrics: MediaCounters;
  /** Ask the publisher for a keyframe (the caller rate-limits). Called on viewer PLI/FIR and on attach. */
  requestKeyframe: () => void;
  /**
   * Video only: a viewer that attaches mid-stream gets nothing until the next keyframe starts
   * (useful for RTP ingest, where there is no PLI path). Default false: forward at once.
   */
  startOnKeyframe?: boolean;
  clock?: Clock;
}

/**
 * What the session layer hands over for one viewer's outgoing track when it negotiates. The lean
 * path sends nothing until the connection is handed over (`ForwardedTrack.linkTo`); only
 * werift's stock path (the benchmark baseline, test/bench/stockFanout.ts) sends through `sender`.
 */
export interface ViewerBinding {
  id: string;
  /** The viewer's werift sender for this track, with NO track attached. */
  sender: RTCRtpSender;
}

export interface ForwardedTrackStats {
  packetsSent: number;
  bytesSent: number;
  retransmitted: number;
  nackSuppressed: number;
  nackMisses: number;
  /** Latest receiver-report fraction lost, 0..1; undefined until the first report (none yet is not "no loss"). */
  fractionLost: number | undefined;
  /** Latest RTT estimate in ms from RR LSR/DLSR, undefined until measured. */
  rttMs: number | undefined;
  senderReports: number;
}

/**
 * A viewer's connection once werift has handed it over (session/viewerLink.ts): RTP out
 * (protected there, one SRTP context per connection), RTCP out, one transport-wide sequence
 * counter. RTCP in arrives through `ForwardedTrack.receiveRtcp`.
 */
export interface LinkedConnection {
  readonly isClosed: boolean;
  /** Protect and send; the payload is read during the call, never kept or mutated. */
  sendRtp(header: RtpHeaderFields, payload: Uint8Array): void;
  sendRtcp(packets: { serialize(): Buffer }[]): void;
  nextTransportSeq(): number;
}

export type { NegotiatedSender };

export interface ForwardedTrack {
  readonly id: string;
  readonly closed: boolean;
  /**
   * The connection is up and handed over: send through `connection` with what `sender` was
   * negotiated with. Until then the lean path sends nothing. Absent on werift's stock path,
   * which keeps werift's peer connection for the session's life.
   */
  linkTo?(connection: LinkedConnection, sender: NegotiatedSender): void;
  /** RTCP from a linked connection; true when it was about this track's SSRCs. */
  receiveRtcp?(packet: RtcpPacket): boolean;
  stats(): ForwardedTrackStats;
  /** Bytes of NACK state this viewer adds (dedupe table, plus the copied history in perViewer mode). */
  nackStateBytes(): number;
  /** Idempotent; detaches from the source and the report scheduler, restores nothing on the sender. */
  close(): void;
}

export interface FanoutSource {
  readonly path: string;
  readonly kind: MediaKind;
  readonly codec: SourceCodec;
  /** Feed one source packet (werift RtpPacket). Its payload Buffer is kept by reference, never mutated. */
  push(packet: RtpPacket): void;
  attach(binding: ViewerBinding): ForwardedTrack;
  /** Bytes held by this source's NACK histories (shared ring, or the per-viewer copies). */
  historyBytes(): number;
  viewerCount(): number;
  /** Closes every forwarded track. Idempotent. */
  close(): void;
}

/** Makes the fan-out of one track of a path (the lean path: createFanoutSource). */
export type FanoutFactory = (options: FanoutSourceOptions) => FanoutSource;

/** One entry in the process-wide timer wheel: sends this viewer's SR (+SDES) when its slot comes. */
export interface ReportTarget {
  /** Return true when a sender report actually went out (false: nothing sent yet, not connected). */
  sendReport(nowMs: number): boolean;
}

export interface ReportScheduler {
  readonly intervalMs: number;
  add(target: ReportTarget): () => void;
  size(): number;
  close(): void;
}

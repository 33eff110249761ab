/**
 * The fan-out core's public surface. Session code creates one ReportScheduler per process,
 * one FanoutSource per (path, kind), attaches each viewer's track when it negotiates and links
 * it to the viewer's connection once werift has handed that over (session/viewer.ts).
 */
export type {
  Clock,
  FanoutSource,
  FanoutSourceOptions,
  ForwardedTrack,
  ForwardedTrackStats,
  LinkedConnection,
  MediaKind,
  NackMode,
  NackOptions,
  NegotiatedSender,
  ReportScheduler,
  ReportTarget,
  SourceCodec,
  ViewerBinding,
} from "./types.js";
export { createFanoutSource } from "./fanoutSource.js";
export { createReportScheduler, TICK_MS } from "./reportScheduler.js";
export { systemClock, ManualClock } from "./clock.js";
export { stripNackFeedback } from "./sdpPolicy.js";
export { PacketHistory } from "./history.js";
export { MAX_NACK_SEQS_PER_PACKET, DEFAULT_RTT_MS, MIN_RESEND_INTERVAL_MS } from "./nackResponder.js";
export { unknownSsrcReason } from "./rtcpTap.js";

/**
 * One source stream -> N viewers on the lean path. The source packet is recorded ONCE in the
 * shared history (by reference) and handed to every viewer, each of which writes only its own
 * header; counters are incremented once per source packet, not once per viewer.
 */
import { keyframeDetector } from "../codec/keyframe.js";
import { systemClock } from "./clock.js";
import { LeanForwardedTrack, type TrackContext } from "./forwardedTrack.js";
import { PacketHistory } from "./history.js";
import { SourceContinuity } from "./sourceContinuity.js";
import type { FanoutSource, FanoutSourceOptions, ForwardedTrack } from "./types.js";

export function createFanoutSource(options: FanoutSourceOptions): FanoutSource {
  const { path, kind, codec, nack, reports, metrics, requestKeyframe } = options;
  const clock = options.clock ?? systemClock;
  // Audio is offered without nack feedback (browsers do not NACK Opus), so it needs no history.
  const nackMode = kind === "audio" ? "off" : nack.mode;
  const sharedHistory = nackMode === "shared" ? new PacketHistory(nack.historyPackets) : undefined;
  if (nackMode === "perViewer") new PacketHistory(nack.historyPackets); // validate the size up front
  const viewers = new Set<LeanForwardedTrack>();
  const continuity = new SourceContinuity(codec.clockRate);
  let closed = false;

  const detect = keyframeDetector(codec.mimeType);
  const ctx: TrackContext = {
    codec,
    mode: nackMode,
    historyPackets: nack.historyPackets,
    sharedHistory,
    metrics,
    clock,
    requestKeyframe,
    isKeyframe: options.startOnKeyframe === true && kind === "video" ? (payload) => detect(payload) : undefined,
    onClose: (track) => viewers.delete(track),
  };

  return {
    path,
    kind,
    codec,
    push(packet) {
      if (closed) return;
      const { sequenceNumber, timestamp, marker, ssrc } = packet.header;
      const payload = packet.payload;
      const now = clock.now();
      const restartStep = continuity.observe(ssrc, sequenceNumber, now);
      if (restartStep !== undefined) {
        // A new numbering of the source (sourceContinuity.ts): old entries of the history
        // would answer NACKs with the wrong packets, and each viewer continues its own numbering.
        sharedHistory?.clear();
        for (const viewer of viewers) viewer.rebase(restartStep);
        metrics.sourceRestarts.inc({ path, kind });
        if (viewers.size > 0) requestKeyframe();
      }
      sharedHistory?.put(sequenceNumber, timestamp, marker, payload);
      if (viewers.size === 0) return;
      let sent = 0;
      let bytes = 0;
      for (const viewer of viewers) {
        const n = viewer.forward(sequenceNumber, timestamp, marker, payload, now);
        if (n >= 0) {
          sent++;
          bytes += n;
        }
      }
      if (sent > 0) {
        metrics.rtpPacketsSent.inc(sent);
        metrics.rtpBytesSent.inc(bytes);
      }
    },
    attach(binding): ForwardedTrack {
      if (closed) throw new Error(`fan-out source for path '${path}' (${kind}) is closed`);
      const track = new LeanForwardedTrack(binding, ctx);
      viewers.add(track);
      track.removeReport = reports.add(track);
      requestKeyframe();
      return track;
    },
    historyBytes() {
      if (sharedHistory) return sharedHistory.bytes();
      let total = 0;
      for (const viewer of viewers) total += viewer.historyBytes();
      return total;
    },
    viewerCount: () => viewers.size,
    close() {
      if (closed) return;
      closed = true;
      for (const viewer of [...viewers]) viewer.close();
      sharedHistory?.clear();
    },
  };
}

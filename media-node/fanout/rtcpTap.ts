/**
 * Counts viewer RTCP that names an SSRC this connection never sent (a buggy or hostile peer):
 * werift's router silently drops such packets, so without this tap they would be invisible.
 * One subscription per DTLS transport (BUNDLE: one per viewer connection), whatever the
 * number of tracks; only feedback and report blocks are looked at.
 */
import { GenericNack, PictureLossIndication, RtcpPayloadSpecificFeedback, RtcpRrPacket, RtcpTransportLayerFeedback, type RTCPeerConnection, type RtcpPacket } from "werift";
import type { MediaNodeMetrics } from "../observe/metrics.js";
import type { TransportInternals } from "./weriftSeam.js";

const tapped = new WeakSet<object>();

/** Subscribe once per transport; later calls for the same transport do nothing. */
export function watchTransportRtcp(transport: TransportInternals, pc: RTCPeerConnection, metrics: Pick<MediaNodeMetrics, "malformedInput">): void {
  if (tapped.has(transport)) return;
  tapped.add(transport);
  const local = (): Set<number> => {
    const ssrcs = new Set<number>();
    for (const sender of pc.getSenders()) {
      ssrcs.add(sender.ssrc);
      ssrcs.add(sender.rtxSsrc);
    }
    return ssrcs;
  };
  transport.onRtcp.subscribe((packet: RtcpPacket) => {
    try {
      let ours: Set<number> | undefined;
      const reason = unknownSsrcReason(packet, (ssrc) => (ours ??= local()).has(ssrc));
      if (reason) metrics.malformedInput.inc({ kind: "rtcp", reason });
    } catch {
      // never let a counting tap break werift's RTCP dispatch
    }
  });
}

/**
 * The `malformed_input_total{kind="rtcp"}` reason when feedback or reports name an SSRC that
 * `isOurs` does not know (NACK, PLI, receiver-report blocks), else undefined.
 */
export function unknownSsrcReason(packet: RtcpPacket, isOurs: (ssrc: number) => boolean): string | undefined {
  if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) {
    return isOurs(packet.feedback.mediaSourceSsrc) ? undefined : "nack_unknown_ssrc";
  }
  if (packet instanceof RtcpPayloadSpecificFeedback && packet.feedback instanceof PictureLossIndication) {
    return isOurs(packet.feedback.mediaSsrc) || isOurs(packet.feedback.senderSsrc) ? undefined : "pli_unknown_ssrc";
  }
  if (packet instanceof RtcpRrPacket && packet.reports.length > 0) {
    return packet.reports.every((r) => isOurs(r.ssrc)) ? undefined : "rr_unknown_ssrc";
  }
  return undefined;
}

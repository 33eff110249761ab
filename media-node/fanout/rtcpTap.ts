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
  const unknown = (reason: string) => metrics.malformedInput.inc({ kind: "rtcp", reason });
  transport.onRtcp.subscribe((packet: RtcpPacket) => {
    try {
      if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) {
        if (!local().has(packet.feedback.mediaSourceSsrc)) unknown("nack_unknown_ssrc");
      } else if (packet instanceof RtcpPayloadSpecificFeedback && packet.feedback instanceof PictureLossIndication) {
        const ssrcs = local();
        if (!ssrcs.has(packet.feedback.mediaSsrc) && !ssrcs.has(packet.feedback.senderSsrc)) unknown("pli_unknown_ssrc");
      } else if (packet instanceof RtcpRrPacket && packet.reports.length > 0) {
        const ssrcs = local();
        if (packet.reports.some((r) => !ssrcs.has(r.ssrc))) unknown("rr_unknown_ssrc");
      }
    } catch {
      // never let a counting tap break werift's RTCP dispatch
    }
  });
}

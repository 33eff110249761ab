/**
 * Counts viewer RTCP that names an SSRC this connection never sent (a buggy or hostile peer):
 * nothing would answer such a packet, so without the count it would be invisible. The viewer
 * session asks this for every packet none of its tracks claimed (session/viewer.ts); only
 * feedback and report blocks are looked at.
 */
import { GenericNack, PictureLossIndication, RtcpPayloadSpecificFeedback, RtcpRrPacket, RtcpTransportLayerFeedback, type RtcpPacket } from "werift";

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

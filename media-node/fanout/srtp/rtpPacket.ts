/** Reading the parts of a received SRTP packet that unprotect needs (RFC 3550 §5.1). */

export interface SrtpPacketView {
  sequenceNumber: number;
  ssrc: number;
  /** Bytes of header (fixed part, CSRCs, extension block): where the encrypted payload starts. */
  headerLength: number;
}

/** Parse the clear header of an SRTP packet with a `tagLength`-byte tag; throws when truncated. */
export function viewSrtpPacket(packet: Uint8Array, tagLength: number): SrtpPacketView {
  if (packet.length < 12 + tagLength) throw new Error(`SRTP packet of ${packet.length} bytes is shorter than a header and a ${tagLength}-byte tag`);
  if (packet[0]! >> 6 !== 2) throw new Error(`SRTP packet has RTP version ${packet[0]! >> 6}, not 2`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let headerLength = 12 + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10) {
    if (packet.length < headerLength + 4 + tagLength) throw new Error("SRTP packet truncated in its header extension");
    headerLength += 4 + 4 * view.getUint16(headerLength + 2);
  }
  if (headerLength + tagLength > packet.length) throw new Error("SRTP packet header runs past its end");
  return { sequenceNumber: view.getUint16(2), ssrc: view.getUint32(8), headerLength };
}

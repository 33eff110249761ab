/**
 * VP8 frames -> RTP payloads per RFC 7741: a one-byte payload descriptor (S bit on the
 * packet that starts the frame, partition index 0, no extensions), the frame split into
 * chunks of at most `maxPayload` bytes. Pure: the caller owns headers and timing.
 */
export const VP8_DESCRIPTOR_START = 0x10;
export const VP8_DESCRIPTOR_CONTINUATION = 0x00;

export function packetizeVp8(frame: Buffer, maxPayload: number): Buffer[] {
  if (maxPayload < 2) throw new RangeError("maxPayload must leave room for the descriptor and one byte");
  const chunk = maxPayload - 1;
  const payloads: Buffer[] = [];
  for (let offset = 0; offset < frame.length; offset += chunk) {
    const part = frame.subarray(offset, Math.min(frame.length, offset + chunk));
    const payload = Buffer.allocUnsafe(part.length + 1);
    payload[0] = offset === 0 ? VP8_DESCRIPTOR_START : VP8_DESCRIPTOR_CONTINUATION;
    part.copy(payload, 1);
    payloads.push(payload);
  }
  return payloads;
}

/** A VP8 frame is a keyframe when bit 0 of its first byte (the inverse key frame flag) is clear. */
export function isVp8KeyframeData(frame: Buffer): boolean {
  return frame.length > 0 && (frame[0]! & 0x01) === 0;
}

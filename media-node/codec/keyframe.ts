/**
 * Does this RTP payload start a keyframe? A viewer that joins an RTP-ingest path is held
 * until one arrives, so its decoder never starts on a delta frame. Pure, no werift.
 *
 * VP8 (RFC 7741): the payload descriptor's S bit set with partition index 0 marks the
 * start of a frame; the first byte after the descriptor has P (bit 0) clear on keyframes.
 * H264 (RFC 6184): an IDR slice (NAL type 5) or an SPS (7), directly, inside a STAP-A
 * aggregate (24) or as the start fragment of an FU-A (28).
 */
import type { RtpCodec } from "../config/types.js";

export function isVp8Keyframe(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  const descriptor = payload[0]!;
  const startOfPartition = (descriptor & 0x10) !== 0;
  const partitionIndex = descriptor & 0x07;
  if (!startOfPartition || partitionIndex !== 0) return false;
  let offset = 1;
  if (descriptor & 0x80) {
    const extension = payload[offset++];
    if (extension === undefined) return false;
    if (extension & 0x80) {
      const pictureId = payload[offset];
      if (pictureId === undefined) return false;
      offset += pictureId & 0x80 ? 2 : 1; // M bit: 15-bit picture id
    }
    if (extension & 0x40) offset += 1; // TL0PICIDX
    if (extension & 0x30) offset += 1; // TID/Y/KEYIDX
  }
  const frameTag = payload[offset];
  return frameTag !== undefined && (frameTag & 0x01) === 0;
}

const H264_IDR = 5;
const H264_SPS = 7;
const H264_STAP_A = 24;
const H264_FU_A = 28;

const isKeyNal = (type: number) => type === H264_IDR || type === H264_SPS;

export function isH264Keyframe(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === H264_STAP_A) {
    let offset = 1;
    while (offset + 2 < payload.length) {
      const size = (payload[offset]! << 8) | payload[offset + 1]!;
      offset += 2;
      if (size === 0 || offset + size > payload.length) return false;
      if (isKeyNal(payload[offset]! & 0x1f)) return true;
      offset += size;
    }
    return false;
  }
  if (type === H264_FU_A) {
    const header = payload[1];
    return header !== undefined && (header & 0x80) !== 0 && isKeyNal(header & 0x1f);
  }
  return isKeyNal(type);
}

/** Audio has no keyframes: every packet can start playback. */
export function keyframeDetector(codec: RtpCodec | string): (payload: Uint8Array) => boolean {
  const name = codec.toUpperCase().replace(/^(VIDEO|AUDIO)\//, "");
  if (name === "VP8") return isVp8Keyframe;
  if (name === "H264") return isH264Keyframe;
  return () => true;
}

/**
 * "Does this packet start a keyframe?" for the codecs the node forwards, so a viewer that
 * joins an RTP ingest mid-stream can start at a decodable picture. Unknown codecs answer
 * true (never block a viewer on a codec we cannot parse).
 */

export function isKeyframeStart(mimeType: string, payload: Buffer): boolean {
  switch (mimeType.toLowerCase()) {
    case "video/vp8":
      return vp8KeyframeStart(payload);
    case "video/h264":
      return h264KeyframeStart(payload);
    case "video/vp9":
      return vp9KeyframeStart(payload);
    default:
      return true;
  }
}

/** RFC 7741: payload descriptor, then the VP8 header whose P bit is 0 on keyframes. */
export function vp8KeyframeStart(p: Buffer): boolean {
  if (p.length < 1) return false;
  const start = (p[0]! & 0x10) !== 0 && (p[0]! & 0x07) === 0;
  if (!start) return false;
  let offset = 1;
  if (p[0]! & 0x80) {
    if (p.length < 2) return false;
    const x = p[1]!;
    offset = 2;
    if (x & 0x80) offset += p.length > offset && p[offset]! & 0x80 ? 2 : 1; // picture id, 7 or 15 bits
    if (x & 0x40) offset += 1; // TL0PICIDX
    if (x & 0x30) offset += 1; // TID / KEYIDX
  }
  return p.length > offset && (p[offset]! & 0x01) === 0;
}

const H264_IDR = 5;
const H264_SPS = 7;

/** RFC 6184: single NAL, STAP-A (24) or the first fragment of an FU-A (28) carrying IDR/SPS. */
export function h264KeyframeStart(p: Buffer): boolean {
  if (p.length < 1) return false;
  const type = p[0]! & 0x1f;
  if (type === H264_IDR || type === H264_SPS) return true;
  if (type === 24) {
    let offset = 1;
    while (offset + 2 < p.length) {
      const size = p.readUInt16BE(offset);
      const nal = p[offset + 2]! & 0x1f;
      if (nal === H264_IDR || nal === H264_SPS) return true;
      offset += 2 + size;
    }
    return false;
  }
  if (type === 28) {
    if (p.length < 2) return false;
    const fuStart = (p[1]! & 0x80) !== 0;
    const nal = p[1]! & 0x1f;
    return fuStart && (nal === H264_IDR || nal === H264_SPS);
  }
  return false;
}

/** VP9 payload descriptor: B (start of frame) set and P (inter-predicted) clear. */
export function vp9KeyframeStart(p: Buffer): boolean {
  if (p.length < 1) return false;
  return (p[0]! & 0x40) === 0 && (p[0]! & 0x08) !== 0;
}

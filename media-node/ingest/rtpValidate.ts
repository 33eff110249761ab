/**
 * Structural checks on a raw RTP datagram before anything parses it (RFC 3550 §5.1):
 * version, fixed header, CSRC list, header extension and padding must all fit the
 * datagram, and so must each element of an RFC 8285 extension block (werift's parser walks
 * the elements and takes the payload to start where the walk ends: an element running past
 * the block, or the one-byte form's reserved ID 15, would move the payload). Pure; the
 * ingest socket counts every rejection by its reason.
 */

export type RtpRejection =
  | "too-short"
  | "bad-version"
  | "csrc-overflow"
  | "extension-overflow"
  | "bad-extension"
  | "bad-padding"
  | "rtcp"
  | "payload-type"
  | "empty-payload";

export type RtpCheck =
  | { ok: true; payloadType: number; payloadOffset: number; payloadEnd: number; marker: boolean; sequenceNumber: number; ssrc: number }
  | { ok: false; reason: RtpRejection };

const FIXED_HEADER = 12;

const ONE_BYTE_PROFILE = 0xbede;
const TWO_BYTE_PROFILE = 0x1000;

/** RFC 8285 §4.2/§4.3 elements of [start, end): each must end inside the block; ID 15 is reserved. */
function extensionElementsFit(data: Uint8Array, profile: number, start: number, end: number): boolean {
  if (profile !== ONE_BYTE_PROFILE && profile !== TWO_BYTE_PROFILE) return true;
  let i = start;
  while (i < end) {
    const b = data[i]!;
    if (b === 0) {
      i += 1; // padding
    } else if (profile === ONE_BYTE_PROFILE) {
      if (b >> 4 === 15) return false;
      i += 1 + (b & 0x0f) + 1;
    } else {
      if (i + 1 >= end) return false;
      i += 2 + data[i + 1]!;
    }
  }
  return i === end;
}

export function checkRtpDatagram(data: Uint8Array, expectedPayloadType?: number): RtpCheck {
  if (data.length < FIXED_HEADER) return { ok: false, reason: "too-short" };
  const first = data[0]!;
  if (first >> 6 !== 2) return { ok: false, reason: "bad-version" };
  const second = data[1]!;
  // RTCP packet types 200-204 share the port in rtcp-mux; they are not media.
  if (second >= 200 && second <= 204) return { ok: false, reason: "rtcp" };
  const payloadType = second & 0x7f;
  const csrcCount = first & 0x0f;
  let offset = FIXED_HEADER + csrcCount * 4;
  if (offset > data.length) return { ok: false, reason: "csrc-overflow" };
  if (first & 0x10) {
    if (offset + 4 > data.length) return { ok: false, reason: "extension-overflow" };
    const profile = (data[offset]! << 8) | data[offset + 1]!;
    const words = (data[offset + 2]! << 8) | data[offset + 3]!;
    const start = offset + 4;
    offset = start + words * 4;
    if (offset > data.length) return { ok: false, reason: "extension-overflow" };
    if (!extensionElementsFit(data, profile, start, offset)) return { ok: false, reason: "bad-extension" };
  }
  let end = data.length;
  if (first & 0x20) {
    const padding = data[data.length - 1]!;
    if (padding === 0 || end - padding < offset) return { ok: false, reason: "bad-padding" };
    end -= padding;
  }
  if (expectedPayloadType !== undefined && payloadType !== expectedPayloadType) return { ok: false, reason: "payload-type" };
  if (end === offset) return { ok: false, reason: "empty-payload" };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    ok: true,
    payloadType,
    payloadOffset: offset,
    payloadEnd: end,
    marker: (second & 0x80) !== 0,
    sequenceNumber: view.getUint16(2),
    ssrc: view.getUint32(8),
  };
}

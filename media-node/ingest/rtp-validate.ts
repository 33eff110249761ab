/**
 * Structural checks on a raw RTP datagram before anything parses it (RFC 3550 §5.1):
 * version, fixed header, CSRC list, header extension and padding must all fit the
 * datagram. Pure; the ingest socket counts every rejection by its reason.
 */

export type RtpRejection =
  | "too-short"
  | "bad-version"
  | "csrc-overflow"
  | "extension-overflow"
  | "bad-padding"
  | "rtcp"
  | "payload-type"
  | "empty-payload";

export type RtpCheck =
  | { ok: true; payloadType: number; payloadOffset: number; payloadEnd: number; marker: boolean; sequenceNumber: number; ssrc: number }
  | { ok: false; reason: RtpRejection };

const FIXED_HEADER = 12;

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
    const words = (data[offset + 2]! << 8) | data[offset + 3]!;
    offset += 4 + words * 4;
    if (offset > data.length) return { ok: false, reason: "extension-overflow" };
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

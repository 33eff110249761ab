/**
 * Writes an RTP header (RFC 3550 §5.1, header extensions per RFC 8285) straight into the
 * buffer the protected packet is built in, so there is no intermediate header Buffer per
 * packet. Takes the same fields as werift's RtpHeader (the lean path reuses one per viewer).
 * Extensions use the one-byte form when every id is 1..14 and every value 1..16 bytes, the
 * two-byte form otherwise; the padding after them is zeroed (the buffer is allocUnsafe).
 */

export interface RtpHeaderFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  /** P bit only: any padding octets are the caller's, at the end of the payload. */
  padding: boolean;
  csrc: readonly number[];
  extensions: readonly { id: number; payload: Uint8Array }[];
}

const ONE_BYTE_PROFILE = 0xbede;
const TWO_BYTE_PROFILE = 0x1000;

function fitsOneByteForm(extensions: RtpHeaderFields["extensions"]): boolean {
  for (let i = 0; i < extensions.length; i++) {
    const e = extensions[i]!;
    if (e.id < 1 || e.id > 14 || e.payload.length < 1 || e.payload.length > 16) return false;
  }
  return true;
}

/** Throws for an extension neither form can carry (two-byte form: id 1..255, value 0..255 bytes). */
function assertEncodable(extensions: RtpHeaderFields["extensions"]): void {
  for (const { id, payload } of extensions) {
    if (id < 1 || id > 255 || payload.length > 255) throw new RangeError(`RTP header extension id ${id} with ${payload.length} bytes cannot be encoded`);
  }
}

/** Extension block size without its 4-byte preamble, before rounding up to 32-bit words. */
function extensionBytes(extensions: RtpHeaderFields["extensions"], oneByte: boolean): number {
  let n = 0;
  for (let i = 0; i < extensions.length; i++) n += (oneByte ? 1 : 2) + extensions[i]!.payload.length;
  return n;
}

/** Size in bytes of the header `writeRtpHeader` writes (always a multiple of 4). */
export function rtpHeaderLength(h: RtpHeaderFields): number {
  let n = 12 + 4 * h.csrc.length;
  if (h.extensions.length > 0) n += 4 + ((extensionBytes(h.extensions, fitsOneByteForm(h.extensions)) + 3) & ~3);
  return n;
}

/** Write the header at `at`; returns the offset just past it (where the payload goes). */
export function writeRtpHeader(h: RtpHeaderFields, buf: Buffer, at: number): number {
  const csrcCount = h.csrc.length;
  if (csrcCount > 15) throw new RangeError(`an RTP header carries at most 15 CSRCs, got ${csrcCount}`);
  const hasExtension = h.extensions.length > 0;
  buf[at] = 0x80 | (h.padding ? 0x20 : 0) | (hasExtension ? 0x10 : 0) | csrcCount;
  buf[at + 1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequenceNumber & 0xffff, at + 2);
  buf.writeUInt32BE(h.timestamp >>> 0, at + 4);
  buf.writeUInt32BE(h.ssrc >>> 0, at + 8);
  let o = at + 12;
  for (let i = 0; i < csrcCount; i++, o += 4) buf.writeUInt32BE(h.csrc[i]! >>> 0, o);
  if (!hasExtension) return o;
  const oneByte = fitsOneByteForm(h.extensions);
  if (!oneByte) assertEncodable(h.extensions);
  const words = (extensionBytes(h.extensions, oneByte) + 3) >>> 2;
  buf.writeUInt16BE(oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE, o);
  buf.writeUInt16BE(words, o + 2);
  o += 4;
  const end = o + words * 4;
  for (let i = 0; i < h.extensions.length; i++) {
    const { id, payload } = h.extensions[i]!;
    if (oneByte) buf[o++] = (id << 4) | (payload.length - 1);
    else {
      buf[o++] = id;
      buf[o++] = payload.length;
    }
    buf.set(payload, o);
    o += payload.length;
  }
  if (o < end) buf.fill(0, o, end);
  return end;
}

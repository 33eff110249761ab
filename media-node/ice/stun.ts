/**
 * Classify one datagram arriving on the shared ICE port, and for a STUN request read the
 * USERNAME attribute ("<receiver ufrag>:<sender ufrag>", RFC 8445 §7.2.2) — just enough to
 * pick the session. Every read is bounds-checked: the input is whatever the internet sends.
 * Full STUN validation (integrity, fingerprint) stays with werift.
 */

export type StunClass = "request" | "indication" | "success" | "error";

export type DatagramKind =
  | { kind: "stun"; stunClass: StunClass; localUfrag?: string; remoteUfrag?: string }
  | { kind: "media" } // DTLS, RTP/RTCP, TURN channel, ZRTP (RFC 7983 first-byte ranges)
  | { kind: "invalid"; reason: "garbage" | "truncatedStun" | "malformedStun" };

const STUN_HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const ATTR_USERNAME = 0x0006;
/** RFC 8489 §14.3: USERNAME is at most 513 bytes. */
const MAX_USERNAME_BYTES = 513;

function stunClassOf(messageType: number): StunClass {
  // class bits C1 (0x0100) and C0 (0x0010) of the message type
  const c = ((messageType & 0x0100) >> 7) | ((messageType & 0x0010) >> 4);
  return (["request", "indication", "success", "error"] as const)[c]!;
}

/** First-byte demultiplexing of RFC 7983 for the non-STUN protocols sharing the port. */
function isMediaFirstByte(b: number): boolean {
  return (b >= 16 && b <= 19) || (b >= 20 && b <= 63) || (b >= 64 && b <= 79) || (b >= 128 && b <= 191);
}

export function inspectDatagram(data: Uint8Array): DatagramKind {
  if (data.length === 0) return { kind: "invalid", reason: "garbage" };
  const first = data[0]!;
  if (first > 3) return isMediaFirstByte(first) ? { kind: "media" } : { kind: "invalid", reason: "garbage" };
  if (data.length < STUN_HEADER_BYTES) return { kind: "invalid", reason: "truncatedStun" };

  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const messageType = view.getUint16(0);
  const declaredLength = view.getUint16(2);
  if (view.getUint32(4) !== MAGIC_COOKIE) return { kind: "invalid", reason: "malformedStun" };
  if (declaredLength % 4 !== 0) return { kind: "invalid", reason: "malformedStun" };
  if (STUN_HEADER_BYTES + declaredLength > data.length) return { kind: "invalid", reason: "truncatedStun" };

  const stunClass = stunClassOf(messageType);
  if (stunClass !== "request") return { kind: "stun", stunClass };

  const end = STUN_HEADER_BYTES + declaredLength;
  let offset = STUN_HEADER_BYTES;
  while (offset < end) {
    if (offset + 4 > end) return { kind: "invalid", reason: "truncatedStun" };
    const attrType = view.getUint16(offset);
    const attrLength = view.getUint16(offset + 2);
    const valueStart = offset + 4;
    if (valueStart + attrLength > end) return { kind: "invalid", reason: "truncatedStun" };
    if (attrType === ATTR_USERNAME) {
      if (attrLength === 0 || attrLength > MAX_USERNAME_BYTES) return { kind: "invalid", reason: "malformedStun" };
      const username = Buffer.from(data.buffer, data.byteOffset + valueStart, attrLength).toString("utf8");
      // RFC 8489 §14.3: UTF-8. Bytes that are not decode to U+FFFD, which no ufrag (ice-chars, RFC 8839) holds
      if (username.includes("\uFFFD")) return { kind: "invalid", reason: "malformedStun" };
      const colon = username.indexOf(":");
      if (colon <= 0) return { kind: "invalid", reason: "malformedStun" };
      return { kind: "stun", stunClass, localUfrag: username.slice(0, colon), remoteUfrag: username.slice(colon + 1) };
    }
    offset = valueStart + attrLength + ((4 - (attrLength % 4)) % 4); // values are padded to 4 bytes
  }
  return { kind: "stun", stunClass };
}

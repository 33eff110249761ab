/**
 * The two DTLS records a connection still exchanges once it runs without werift: the node's
 * close_notify when it ends a session (RFC 8842 §5, RFC 5246 §7.2.1: the peer learns at once
 * instead of at ICE consent expiry 30 s later), and an alert from the peer when it goes away.
 * DTLS 1.2 AEAD records (RFC 6347 §4.1, AES-GCM as RFC 5288 uses it): nonce = implicit IV (4)
 * || explicit nonce (8, sent in the record), the explicit part being epoch || sequence number
 * as werift writes it; additional data = epoch || sequence number || type || version || length.
 * Keys and sequence numbers come as plain data from the werift boundary (werift/types.ts);
 * the registry's "dtls-records" check seals and opens records against werift's own socket.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { DtlsRecordKeys } from "../werift/types.js";

export const CONTENT_TYPE_ALERT = 21;
const ALERT_LEVEL_WARNING = 1;
const ALERT_CLOSE_NOTIFY = 0;
const HEADER = 13;
const EXPLICIT_NONCE = 8;
const TAG = 16;

/** 8 bytes: epoch (16 bits) and sequence number (48 bits), as in the record header. */
function sequenceBytes(epoch: number, sequenceNumber: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt16BE(epoch, 0);
  out.writeUIntBE(sequenceNumber, 2, 6);
  return out;
}

function additionalData(seq: Buffer, type: number, version: number, length: number): Buffer {
  const aad = Buffer.alloc(13);
  seq.copy(aad, 0);
  aad.writeUInt8(type, 8);
  aad.writeUInt16BE(version, 9);
  aad.writeUInt16BE(length, 11);
  return aad;
}

/** Seals `plaintext` as the association's next record; advances `keys.sequenceNumber`. */
export function sealRecord(keys: DtlsRecordKeys, type: number, plaintext: Buffer): Buffer {
  const sequenceNumber = ++keys.sequenceNumber;
  const version = (keys.version.major << 8) | keys.version.minor;
  const explicit = sequenceBytes(keys.epoch, sequenceNumber);
  const cipher = createCipheriv(keys.algorithm, keys.writeKey, Buffer.concat([keys.writeIv, explicit]), { authTagLength: TAG });
  cipher.setAAD(additionalData(explicit, type, version, plaintext.length), { plaintextLength: plaintext.length });
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const fragmentLength = EXPLICIT_NONCE + encrypted.length + TAG;
  const record = Buffer.alloc(HEADER + fragmentLength);
  record.writeUInt8(type, 0);
  record.writeUInt16BE(version, 1);
  explicit.copy(record, 3); // the header's epoch and sequence number are the same 8 bytes
  record.writeUInt16BE(fragmentLength, 11);
  explicit.copy(record, HEADER);
  encrypted.copy(record, HEADER + EXPLICIT_NONCE);
  cipher.getAuthTag().copy(record, HEADER + EXPLICIT_NONCE + encrypted.length);
  return record;
}

/** The encrypted close_notify alert (warning level) for the association's next sequence number. */
export function closeNotifyRecord(keys: DtlsRecordKeys): Buffer {
  return sealRecord(keys, CONTENT_TYPE_ALERT, Buffer.from([ALERT_LEVEL_WARNING, ALERT_CLOSE_NOTIFY]));
}

export interface OpenedRecord {
  type: number;
  epoch: number;
  plaintext: Buffer;
}

/**
 * Opens the first record of `datagram` with the peer's keys. Throws when it is truncated or
 * does not authenticate (a forged or stale record must not end a session).
 */
export function openRecord(keys: DtlsRecordKeys, datagram: Buffer): OpenedRecord {
  if (datagram.length < HEADER) throw new Error("DTLS record shorter than its header");
  const length = datagram.readUInt16BE(11);
  if (HEADER + length > datagram.length) throw new Error("DTLS record runs past the datagram");
  if (length < EXPLICIT_NONCE + TAG) throw new Error("DTLS record too short for an AEAD fragment");
  const type = datagram[0]!;
  const version = datagram.readUInt16BE(1);
  const seq = datagram.subarray(3, 11);
  const fragment = datagram.subarray(HEADER, HEADER + length);
  const explicit = fragment.subarray(0, EXPLICIT_NONCE);
  const encrypted = fragment.subarray(EXPLICIT_NONCE, length - TAG);
  const decipher = createDecipheriv(keys.algorithm, keys.readKey, Buffer.concat([keys.readIv, explicit]), { authTagLength: TAG });
  decipher.setAuthTag(fragment.subarray(length - TAG));
  decipher.setAAD(additionalData(seq, type, version, encrypted.length), { plaintextLength: encrypted.length });
  const plaintext = Buffer.concat([decipher.update(encrypted), decipher.final()]); // final() throws on a bad tag
  return { type, epoch: seq.readUInt16BE(0), plaintext };
}

/**
 * AEAD_AES_128_GCM (RFC 7714 §8-§9 for RTP): the RTP header is the associated data, the
 * payload is encrypted, a 16-byte tag follows. The IV is the 12-byte session salt XOR
 * (0x0000 || SSRC || ROC || SEQ). Node has no way to re-key-and-IV a GCM context, so a
 * cipher is created per packet, but from a KeyObject made once (a raw key Buffer costs a key
 * import per packet), into one buffer allocated once per packet, no concatenation.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import type { SessionKeys } from "./kdf.js";
import { AEAD_AES_128_GCM } from "./profiles.js";
import { SrtpAuthenticationFailed, StreamStates, type SrtpProtector } from "./protector.js";
import { viewSrtpPacket } from "./rtpPacket.js";
import { rtpHeaderLength, writeRtpHeader, type RtpHeaderFields } from "./rtpHeaderWriter.js";

const TAG = 16;
const IV_BYTES = 12;
const GCM_OPTIONS = { authTagLength: TAG } as const;

export class AesGcmProtector implements SrtpProtector {
  readonly profile = AEAD_AES_128_GCM;
  private readonly key: KeyObject;
  private readonly salt: Buffer;
  /** Reused: createCipheriv reads the IV before it returns. */
  private readonly iv = Buffer.alloc(IV_BYTES);
  private readonly states = new StreamStates();

  /** From derived SESSION keys (createSrtpProtector derives them from the master keys). */
  constructor(keys: SessionKeys) {
    this.key = createSecretKey(keys.encryptionKey);
    this.salt = keys.salt;
  }

  protect(header: RtpHeaderFields, payload: Uint8Array): Buffer | undefined {
    const seq = header.sequenceNumber & 0xffff;
    const roc = this.states.sender(header.ssrc >>> 0).rocFor(seq);
    if (roc < 0) return undefined;
    const headerLength = rtpHeaderLength(header);
    const tagAt = headerLength + payload.length;
    const buf = Buffer.allocUnsafe(tagAt + TAG);
    writeRtpHeader(header, buf, 0);
    const cipher = createCipheriv("aes-128-gcm", this.key, this.ivFor(header.ssrc, roc, seq), GCM_OPTIONS);
    cipher.setAAD(buf.subarray(0, headerLength));
    cipher.update(payload).copy(buf, headerLength);
    cipher.final(); // GCM in Node emits nothing here; it completes the tag
    cipher.getAuthTag().copy(buf, tagAt);
    return buf;
  }

  unprotect(packet: Uint8Array): Buffer {
    const { sequenceNumber, ssrc, headerLength } = viewSrtpPacket(packet, TAG);
    const state = this.states.receiver(ssrc);
    const roc = state.estimate(sequenceNumber);
    const tagAt = packet.length - TAG;
    const decipher = createDecipheriv("aes-128-gcm", this.key, this.ivFor(ssrc, roc, sequenceNumber), GCM_OPTIONS);
    decipher.setAAD(packet.subarray(0, headerLength));
    decipher.setAuthTag(packet.subarray(tagAt));
    const clear = decipher.update(packet.subarray(headerLength, tagAt));
    try {
      decipher.final();
    } catch {
      throw new SrtpAuthenticationFailed(`SSRC ${ssrc} seq ${sequenceNumber} ROC ${roc}`);
    }
    state.commit(sequenceNumber, roc);
    const out = Buffer.alloc(tagAt);
    out.set(packet.subarray(0, headerLength));
    out.set(clear, headerLength);
    return out;
  }

  rolloverCounter(ssrc: number): number | undefined {
    return this.states.peekSender(ssrc >>> 0)?.rolloverCounter;
  }

  /** RFC 7714 §8.1: (0x0000 || SSRC || ROC || SEQ) XOR salt. */
  private ivFor(ssrc: number, roc: number, seq: number): Buffer {
    const iv = this.iv;
    const s = this.salt;
    iv[0] = s[0]!;
    iv[1] = s[1]!;
    iv.writeUInt32BE((s.readUInt32BE(2) ^ ssrc) >>> 0, 2);
    iv.writeUInt32BE((s.readUInt32BE(6) ^ roc) >>> 0, 6);
    iv.writeUInt16BE(s.readUInt16BE(10) ^ seq, 10);
    return iv;
  }
}

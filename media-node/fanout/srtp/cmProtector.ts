/**
 * AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1 encryption, §4.2.1 authentication), tuned for the
 * per-packet cost in Node:
 * - session keys derived once; one reused ECB cipher makes the counter-mode keystream (no
 *   cipher object per packet), XORed in place into the packet buffer word by word;
 * - HMAC-SHA1 as two one-shot `crypto.hash` calls over precomputed K^ipad / K^opad blocks (no
 *   Hmac object per packet). To hash K^ipad || packet || ROC without concatenating, the packet
 *   is built 64 bytes into its buffer: the 64 bytes before it take K^ipad, the 4 after it the
 *   ROC (later overwritten by the tag), and the datagram is the subarray from byte 64.
 */
import { createHmac, createSecretKey, hash, timingSafeEqual } from "node:crypto";
import { AesCmKeystream, xorInto } from "./aesCm.js";
import type { SessionKeys } from "./kdf.js";
import { AES_CM_128_HMAC_SHA1_80 } from "./profiles.js";
import { SrtpAuthenticationFailed, StreamStates, type SrtpProtector } from "./protector.js";
import { viewSrtpPacket } from "./rtpPacket.js";
import { rtpHeaderLength, writeRtpHeader, type RtpHeaderFields } from "./rtpHeaderWriter.js";

const SHA1_BLOCK = 64;
const SHA1_DIGEST = 20;
const TAG = 10;

export class AesCmHmacSha1Protector implements SrtpProtector {
  readonly profile = AES_CM_128_HMAC_SHA1_80;
  private readonly keystream: AesCmKeystream;
  private readonly authKey: Buffer;
  private readonly innerPad: Buffer;
  /** K^opad followed by room for the inner digest: the whole outer hash input, reused. */
  private readonly outerInput: Buffer;
  /** k_s as the IV's three leading 32-bit words and the high half of the fourth. */
  private readonly salt0: number;
  private readonly salt1: number;
  private readonly salt2: number;
  private readonly salt3: number;
  private readonly states = new StreamStates();

  /** From derived SESSION keys (createSrtpProtector derives them from the master keys). */
  constructor(keys: SessionKeys) {
    this.keystream = new AesCmKeystream(createSecretKey(keys.encryptionKey));
    this.authKey = keys.authenticationKey;
    this.innerPad = Buffer.alloc(SHA1_BLOCK, 0x36);
    this.outerInput = Buffer.alloc(SHA1_BLOCK + SHA1_DIGEST, 0x5c);
    for (let i = 0; i < keys.authenticationKey.length; i++) {
      this.innerPad[i]! ^= keys.authenticationKey[i]!;
      this.outerInput[i]! ^= keys.authenticationKey[i]!;
    }
    const salt = keys.salt;
    this.salt0 = salt.readUInt32BE(0);
    this.salt1 = salt.readUInt32BE(4);
    this.salt2 = salt.readUInt32BE(8);
    this.salt3 = salt.readUInt16BE(12);
  }

  protect(header: RtpHeaderFields, payload: Uint8Array): Buffer | undefined {
    const seq = header.sequenceNumber & 0xffff;
    const roc = this.states.sender(header.ssrc >>> 0).rocFor(seq);
    if (roc < 0) return undefined;
    const headerLength = rtpHeaderLength(header);
    const payloadAt = SHA1_BLOCK + headerLength;
    const tagAt = payloadAt + payload.length;
    const buf = Buffer.allocUnsafe(tagAt + TAG);
    writeRtpHeader(header, buf, SHA1_BLOCK);
    // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), index = ROC * 2^16 + SEQ
    const stream = this.keystream.generate(this.salt0, (this.salt1 ^ header.ssrc) >>> 0, (this.salt2 ^ roc) >>> 0, this.salt3 ^ seq, payload.length);
    xorInto(buf, payloadAt, payload, stream);
    this.innerPad.copy(buf, 0);
    buf.writeUInt32BE(roc, tagAt);
    this.authenticate(buf.subarray(0, tagAt + 4)).copy(buf, tagAt, 0, TAG);
    return buf.subarray(SHA1_BLOCK);
  }

  unprotect(packet: Uint8Array): Buffer {
    const { sequenceNumber, ssrc, headerLength } = viewSrtpPacket(packet, TAG);
    const state = this.states.receiver(ssrc);
    const roc = state.estimate(sequenceNumber);
    const tagAt = packet.length - TAG;
    const rocBytes = Buffer.alloc(4);
    rocBytes.writeUInt32BE(roc);
    const expected = createHmac("sha1", this.authKey).update(packet.subarray(0, tagAt)).update(rocBytes).digest().subarray(0, TAG);
    if (!timingSafeEqual(expected, packet.subarray(tagAt))) throw new SrtpAuthenticationFailed(`SSRC ${ssrc} seq ${sequenceNumber} ROC ${roc}`);
    state.commit(sequenceNumber, roc);
    const out = Buffer.alloc(tagAt);
    out.set(packet.subarray(0, headerLength));
    const encrypted = packet.subarray(headerLength, tagAt);
    const stream = this.keystream.generate(this.salt0, (this.salt1 ^ ssrc) >>> 0, (this.salt2 ^ roc) >>> 0, this.salt3 ^ sequenceNumber, encrypted.length);
    xorInto(out, headerLength, encrypted, stream);
    return out;
  }

  rolloverCounter(ssrc: number): number | undefined {
    return this.states.peekSender(ssrc >>> 0)?.rolloverCounter;
  }

  /** HMAC-SHA1 where `innerInput` already starts with K^ipad; returns the 20-byte digest. */
  private authenticate(innerInput: Buffer): Buffer {
    const inner = hash("sha1", innerInput, "buffer");
    this.outerInput.set(inner, SHA1_BLOCK);
    return hash("sha1", this.outerInput, "buffer");
  }
}

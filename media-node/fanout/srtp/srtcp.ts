/**
 * SRTCP for a connection the node runs itself (a linked viewer): protect the sender reports it
 * sends, authenticate and decrypt the feedback it receives. Both profiles DTLS-SRTP gives the
 * node: AES_CM_128_HMAC_SHA1_80 (RFC 3711 §3.4: AES-CM from byte 8 on, E flag + 31-bit index
 * appended, HMAC-SHA1-80 over all of it) and AEAD_AES_128_GCM (RFC 7714 §9: the first 8 bytes
 * and E + index are the associated data, tag before the index). Session keys come from the
 * master keys with the SRTCP labels (RFC 3711 §4.3.2: 3, 4, 5).
 *
 * The index is kept per SSRC and starts at 1, as werift's did, and it is not checked for
 * replays on receipt (werift did not either; a replayed NACK costs one suppressed resend).
 * RTCP is a few packets a second per viewer, so this favours plainness over the per-packet
 * tricks of the RTP protectors.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { AesCmKeystream, xorInto } from "./aesCm.js";
import { deriveKey, LABEL } from "./kdf.js";
import { AEAD_AES_128_GCM, assertMasterKeys, profileLengths, type SrtpProfileId } from "./profiles.js";
import { SrtpAuthenticationFailed, type MasterKeys } from "./protector.js";

const HEADER = 8;
const INDEX = 4;
const E_FLAG = 0x80000000;
const MAX_INDEX = 0x7fffffff;
const CM_TAG = 10;
const GCM_TAG = 16;

export interface SrtcpProtector {
  readonly profile: SrtpProfileId;
  /** One compound RTCP packet -> the SRTCP packet (a new Buffer; the input is not touched). */
  protect(rtcp: Uint8Array): Buffer;
  /** Authenticate and decrypt a packet protected with these keys; throws SrtpAuthenticationFailed. */
  unprotect(packet: Uint8Array): Buffer;
}

interface SessionKeys {
  encryption: KeyObject;
  authentication: Buffer;
  salt: Buffer;
}

function sessionKeys(keys: MasterKeys): SessionKeys {
  const saltLength = profileLengths(keys.profile as SrtpProfileId).masterSalt;
  return {
    encryption: createSecretKey(deriveKey(keys.masterKey, keys.masterSalt, LABEL.srtcpEncryption, 16)),
    authentication: deriveKey(keys.masterKey, keys.masterSalt, LABEL.srtcpAuthentication, 20),
    salt: deriveKey(keys.masterKey, keys.masterSalt, LABEL.srtcpSalt, saltLength),
  };
}

/** `local` protects what the node sends; `remote` opens what the peer sends. */
export function createSrtcpProtector(local: MasterKeys, remote: MasterKeys): SrtcpProtector {
  assertMasterKeys(local.profile, local.masterKey, local.masterSalt);
  assertMasterKeys(remote.profile, remote.masterKey, remote.masterSalt);
  return local.profile === AEAD_AES_128_GCM ? new GcmSrtcp(sessionKeys(local), sessionKeys(remote)) : new CmSrtcp(sessionKeys(local), sessionKeys(remote));
}

function assertRtcp(rtcp: Uint8Array): void {
  if (rtcp.length < HEADER) throw new RangeError(`an RTCP packet is at least ${HEADER} bytes, got ${rtcp.length}`);
}

/** Per-SSRC SRTCP index of the sending side: 1, 2, ... wrapping to 0 after 2^31 - 1. */
class SendIndex {
  private readonly bySsrc = new Map<number, number>();
  next(ssrc: number): number {
    const index = ((this.bySsrc.get(ssrc) ?? 0) + 1) % (MAX_INDEX + 1);
    this.bySsrc.set(ssrc, index);
    return index;
  }
}

class CmSrtcp implements SrtcpProtector {
  readonly profile = 0x0001 as const;
  private readonly out: AesCmKeystream;
  private readonly in: AesCmKeystream;
  private readonly index = new SendIndex();

  constructor(
    private readonly local: SessionKeys,
    private readonly remote: SessionKeys,
  ) {
    this.out = new AesCmKeystream(local.encryption);
    this.in = new AesCmKeystream(remote.encryption);
  }

  protect(rtcp: Uint8Array): Buffer {
    assertRtcp(rtcp);
    const ssrc = Buffer.from(rtcp.buffer, rtcp.byteOffset, rtcp.byteLength).readUInt32BE(4);
    const index = this.index.next(ssrc);
    const tail = rtcp.length;
    const out = Buffer.allocUnsafe(tail + INDEX + CM_TAG);
    out.set(rtcp.subarray(0, HEADER), 0);
    xorInto(out, HEADER, rtcp.subarray(HEADER), this.keystream(this.out, this.local.salt, ssrc, index, tail - HEADER));
    out.writeUInt32BE((E_FLAG | index) >>> 0, tail);
    this.tag(this.local.authentication, out.subarray(0, tail + INDEX)).copy(out, tail + INDEX);
    return out;
  }

  unprotect(packet: Uint8Array): Buffer {
    const p = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    if (p.length < HEADER + INDEX + CM_TAG) throw new SrtpAuthenticationFailed(`SRTCP packet of ${p.length} bytes`);
    const tagAt = p.length - CM_TAG;
    if (!timingSafeEqual(this.tag(this.remote.authentication, p.subarray(0, tagAt)), p.subarray(tagAt))) throw new SrtpAuthenticationFailed("SRTCP tag");
    const tail = tagAt - INDEX;
    const word = p.readUInt32BE(tail);
    const out = Buffer.from(p.subarray(0, tail));
    if ((word & E_FLAG) === 0) return out; // authenticated, sent in the clear
    const index = word & MAX_INDEX;
    xorInto(out, HEADER, p.subarray(HEADER, tail), this.keystream(this.in, this.remote.salt, p.readUInt32BE(4), index, tail - HEADER));
    return out;
  }

  /** IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), RFC 3711 §4.1.1. */
  private keystream(stream: AesCmKeystream, salt: Buffer, ssrc: number, index: number, length: number): Buffer {
    return stream.generate(salt.readUInt32BE(0), (salt.readUInt32BE(4) ^ ssrc) >>> 0, (salt.readUInt32BE(8) ^ (index >>> 16)) >>> 0, salt.readUInt16BE(12) ^ (index & 0xffff), length);
  }

  private tag(key: Buffer, authenticated: Buffer): Buffer {
    return createHmac("sha1", key).update(authenticated).digest().subarray(0, CM_TAG);
  }
}

class GcmSrtcp implements SrtcpProtector {
  readonly profile = AEAD_AES_128_GCM;
  private readonly index = new SendIndex();

  constructor(
    private readonly local: SessionKeys,
    private readonly remote: SessionKeys,
  ) {}

  protect(rtcp: Uint8Array): Buffer {
    assertRtcp(rtcp);
    const header = Buffer.from(rtcp.buffer, rtcp.byteOffset, HEADER);
    const ssrc = header.readUInt32BE(4);
    const index = this.index.next(ssrc);
    const trailer = Buffer.alloc(INDEX);
    trailer.writeUInt32BE((E_FLAG | index) >>> 0);
    const cipher = createCipheriv("aes-128-gcm", this.local.encryption, this.iv(this.local.salt, ssrc, index), { authTagLength: GCM_TAG });
    cipher.setAAD(Buffer.concat([header, trailer]));
    const encrypted = cipher.update(rtcp.subarray(HEADER));
    cipher.final();
    return Buffer.concat([header, encrypted, cipher.getAuthTag(), trailer]);
  }

  unprotect(packet: Uint8Array): Buffer {
    const p = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    if (p.length < HEADER + GCM_TAG + INDEX) throw new SrtpAuthenticationFailed(`SRTCP packet of ${p.length} bytes`);
    const indexAt = p.length - INDEX;
    const tagAt = indexAt - GCM_TAG;
    const word = p.readUInt32BE(indexAt);
    const encrypted = (word & E_FLAG) !== 0;
    const decipher = createDecipheriv("aes-128-gcm", this.remote.encryption, this.iv(this.remote.salt, p.readUInt32BE(4), word & MAX_INDEX), { authTagLength: GCM_TAG });
    // RFC 7714 §9.1-9.3: encrypted, the AAD is the first 8 bytes; in the clear, all of it
    decipher.setAAD(Buffer.concat([p.subarray(0, encrypted ? HEADER : tagAt), p.subarray(indexAt)]));
    decipher.setAuthTag(p.subarray(tagAt, indexAt));
    const clear = encrypted ? decipher.update(p.subarray(HEADER, tagAt)) : Buffer.alloc(0);
    try {
      decipher.final();
    } catch {
      throw new SrtpAuthenticationFailed("SRTCP tag");
    }
    return encrypted ? Buffer.concat([p.subarray(0, HEADER), clear]) : Buffer.from(p.subarray(0, tagAt));
  }

  /** RFC 7714 §9.1: (0x0000 || SSRC || 0x0000 || SRTCP index) XOR salt. */
  private iv(salt: Buffer, ssrc: number, index: number): Buffer {
    const iv = Buffer.from(salt);
    iv.writeUInt32BE((salt.readUInt32BE(2) ^ ssrc) >>> 0, 2);
    iv.writeUInt32BE((salt.readUInt32BE(8) ^ index) >>> 0, 8);
    return iv;
  }
}

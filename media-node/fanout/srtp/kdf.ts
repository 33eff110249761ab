/**
 * SRTP key derivation (RFC 3711 §4.3, the AES-CM PRF of §4.3.3) with key_derivation_rate 0,
 * which DTLS-SRTP always uses (RFC 5764 §4.1.2): every session key is derived once per
 * (master key, salt), so a viewer pays this at connect time, never per packet.
 *
 * AEAD_AES_128_GCM (RFC 7714 §11) uses the same PRF with its 12-byte master salt placed in the
 * most significant bytes of the 112-bit x (zero-filled below), and takes a 12-byte session salt.
 */
import { aesCmKeystream } from "./aesCm.js";

/** RFC 3711 §4.3.2 labels. */
export const LABEL = {
  srtpEncryption: 0x00,
  srtpAuthentication: 0x01,
  srtpSalt: 0x02,
  srtcpEncryption: 0x03,
  srtcpAuthentication: 0x04,
  srtcpSalt: 0x05,
} as const;

const X_BYTES = 14;

/** PRF_n(k_master, x) with x = (label || 0^48) XOR master_salt, IV = x * 2^16. */
export function deriveKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  if (masterSalt.length > X_BYTES) throw new RangeError(`master salt longer than 112 bits (${masterSalt.length} bytes)`);
  const iv = Buffer.alloc(16);
  iv.set(masterSalt, 0);
  iv[X_BYTES - 7] ^= label; // key_id is 56 bits (label, then a 48-bit index of 0) aligned to the low end of x
  return aesCmKeystream(masterKey, iv, length);
}

export interface SessionKeys {
  /** k_e: the AES-128 session key. */
  encryptionKey: Buffer;
  /** k_a: the HMAC-SHA1 key (20 bytes); unused by AEAD_AES_128_GCM. */
  authenticationKey: Buffer;
  /** k_s: 14 bytes for AES-CM, 12 for AES-GCM. */
  salt: Buffer;
}

/** Session keys of the SRTP (RTP) direction. */
export function deriveSrtpSessionKeys(masterKey: Uint8Array, masterSalt: Uint8Array, saltLength: number): SessionKeys {
  return {
    encryptionKey: deriveKey(masterKey, masterSalt, LABEL.srtpEncryption, 16),
    authenticationKey: deriveKey(masterKey, masterSalt, LABEL.srtpAuthentication, 20),
    salt: deriveKey(masterKey, masterSalt, LABEL.srtpSalt, saltLength),
  };
}

/**
 * The DTLS-SRTP protection profiles the lean path protects with (RFC 5764 §4.1.2 and RFC 7714
 * §14.2), by their DTLS-SRTP ids (the `profile` the werift boundary hands over, werift/types.ts).
 */
export const AES_CM_128_HMAC_SHA1_80 = 0x0001;
export const AEAD_AES_128_GCM = 0x0007;

export type SrtpProfileId = typeof AES_CM_128_HMAC_SHA1_80 | typeof AEAD_AES_128_GCM;

export interface ProfileLengths {
  name: string;
  masterKey: number;
  masterSalt: number;
  /** Bytes appended after the (encrypted) payload: HMAC-SHA1 truncated to 80 bits, or the GCM tag. */
  tag: number;
}

const PROFILES: Record<SrtpProfileId, ProfileLengths> = {
  [AES_CM_128_HMAC_SHA1_80]: { name: "AES_CM_128_HMAC_SHA1_80", masterKey: 16, masterSalt: 14, tag: 10 },
  [AEAD_AES_128_GCM]: { name: "AEAD_AES_128_GCM", masterKey: 16, masterSalt: 12, tag: 16 },
};

export function isSupportedProfile(profile: unknown): profile is SrtpProfileId {
  return profile === AES_CM_128_HMAC_SHA1_80 || profile === AEAD_AES_128_GCM;
}

export function profileLengths(profile: SrtpProfileId): ProfileLengths {
  return PROFILES[profile];
}

/** Check master key and salt lengths against the profile; throws naming what is wrong. */
export function assertMasterKeys(profile: number, masterKey: Uint8Array, masterSalt: Uint8Array): asserts profile is SrtpProfileId {
  if (!isSupportedProfile(profile)) {
    throw new Error(`SRTP profile 0x${profile.toString(16).padStart(4, "0")} is not supported (supported: AES_CM_128_HMAC_SHA1_80 0x0001, AEAD_AES_128_GCM 0x0007)`);
  }
  const want = PROFILES[profile];
  if (masterKey.length !== want.masterKey || masterSalt.length !== want.masterSalt) {
    throw new Error(
      `${want.name} needs a ${want.masterKey}-byte master key and ${want.masterSalt}-byte master salt, got ${masterKey.length} and ${masterSalt.length}`,
    );
  }
}

/** Pick the protector for the negotiated profile after checking the master key sizes. */
import { AesCmHmacSha1Protector } from "./cmProtector.js";
import { AesGcmProtector } from "./gcmProtector.js";
import { deriveSrtpSessionKeys } from "./kdf.js";
import { AEAD_AES_128_GCM, assertMasterKeys, profileLengths } from "./profiles.js";
import type { MasterKeys, SrtpProtector } from "./protector.js";

export function createSrtpProtector(keys: MasterKeys): SrtpProtector {
  assertMasterKeys(keys.profile, keys.masterKey, keys.masterSalt);
  // k_s is 112 bits for AES-CM and 96 bits for AES-GCM: the same length as the master salt
  const session = deriveSrtpSessionKeys(keys.masterKey, keys.masterSalt, profileLengths(keys.profile).masterSalt);
  return keys.profile === AEAD_AES_128_GCM ? new AesGcmProtector(session) : new AesCmHmacSha1Protector(session);
}

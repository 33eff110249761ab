/**
 * SRTP protection for the lean fan-out path: our own RFC 3711 / RFC 7714 implementation on
 * node:crypto, keyed from werift's DTLS transport, cheaper per packet than werift's.
 */
export { createSrtpProtector } from "./createProtector.js";
export type { SrtpProtector, MasterKeys } from "./protector.js";
export { SrtpAuthenticationFailed } from "./protector.js";
export { AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, type SrtpProfileId } from "./profiles.js";
export type { RtpHeaderFields } from "./rtpHeaderWriter.js";
export { findSrtpSeamProblems, leanRtpOutputFor, leanSrtpMode, liveSrtpProblems, setLeanSrtpMode, type LeanRtpOutput, type LeanSrtpMode } from "./weriftTransport.js";

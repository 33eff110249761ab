/**
 * SRTP and SRTCP protection for the connections the node runs itself: our own RFC 3711 /
 * RFC 7714 implementation on node:crypto, keyed from the DTLS-SRTP master keys the werift
 * boundary hands over (werift/handoff.ts), cheaper per packet than werift's.
 */
export { createSrtpProtector } from "./createProtector.js";
export type { SrtpProtector, MasterKeys } from "./protector.js";
export { SrtpAuthenticationFailed } from "./protector.js";
export { AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, type SrtpProfileId } from "./profiles.js";
export type { RtpHeaderFields } from "./rtpHeaderWriter.js";
export { createSrtcpProtector, type SrtcpProtector } from "./srtcp.js";

/**
 * The werift boundary: the ONE folder that touches werift internals. The rest of the node uses
 * werift only through its public API (RTCPeerConnection, the RTP/RTCP/STUN classes it exports)
 * and what this folder hands over, all of it plain data (types.ts).
 *
 *   await assertWeriftSeams();              // at boot: every seam checked (seams.ts), or a WeriftSeamError
 *   installIceSeam(); policyMarker(...)     // ICE on the shared port (ice/endpoint.ts uses these)
 *   useNativeX25519(); startDtlsClientsEarly(pc)   // every peer connection (session/peerFactory.ts)
 *   boundNackLoop(receiver)                 // a publisher's receivers
 *   handOffViewer(pc, senders)              // a connected viewer -> plain data; werift's pc is closed after
 *   closePeer(pc)                           // close_notify, then werift's close
 */
export { assertWeriftSeams, checkWeriftSeams, INSTALLED_MODULES, SEAMS, type Seam } from "./seams.js";
export { WeriftSeamError, WERIFT_VERSION_VERIFIED, type SeamReport } from "./errors.js";
export { installedWeriftVersion } from "./version.js";
export { ICE_SEAM, installIceSeam, policyMarker, type AgentPolicy, type IceAgentView, type RemoteCandidate, type SeamTransport } from "./ice.js";
export { EARLY_CLIENT_HELLO_DELAY_MS, startDtlsClientsEarly } from "./dtlsEarlyStart.js";
export { useNativeX25519 } from "./x25519.js";
export { boundNackLoop } from "./nackLoop.js";
export { closePeer } from "./closeNotify.js";
export { handOffViewer } from "./handoff.js";
export type { AdoptableSocket, DtlsRecordKeys, HandedOverConnection, NegotiatedSender, SrtpKeys, ViewerHandoff } from "./types.js";

/**
 * Where every media-node peer connection comes from: the ICE endpoint (media-node/ice),
 * which puts all sessions on ONE UDP port and applies the mDNS policy. Sessions see only
 * this small seam.
 */
import type { RTCPeerConnection, RTCPeerConnectionConfig } from "werift";
import type { IceEndpoint } from "../ice/endpoint.js";
import { startDtlsClientsEarly, useNativeX25519 } from "../werift/index.js";

export interface PeerFactory {
  /** The shared ICE UDP port. */
  readonly port: number;
  createPeerConnection(config: RTCPeerConnectionConfig): RTCPeerConnection;
  /** Rewrites a remote offer before werift reads it (e.g. drops `.local` candidates when mDNS is off). */
  prepareRemoteSdp(sdp: string): string;
  /** Whether a trickled remote candidate line should be given to werift. */
  acceptRemoteCandidate(line: string): boolean;
  /** Called once werift knows the remote description, before ICE starts (werift/dtlsEarlyStart.ts). */
  beforeConnect(pc: RTCPeerConnection): void;
  close(): Promise<void>;
}

export interface PeerFactoryOptions {
  /** Send the DTLS ClientHello as soon as ICE connects instead of werift's fixed 100 ms later (default true). */
  earlyDtlsStart?: boolean;
  /** Counts peer connections alive: +1 when made, -1 once garbage-collected (so leaks show). */
  census?: { inc(): void; dec(): void };
}

export function peerFactoryFromIce(ice: IceEndpoint, options: PeerFactoryOptions = {}): PeerFactory {
  const earlyDtlsStart = options.earlyDtlsStart ?? true;
  const census = options.census;
  const collected = census && new FinalizationRegistry<undefined>(() => census.dec());
  // DTLS handshakes of every session: X25519 in OpenSSL instead of tweetnacl on the event loop (werift/x25519.ts)
  useNativeX25519();
  return {
    port: ice.port,
    createPeerConnection: (config) => {
      const pc = ice.createPeerConnection(config);
      if (census) {
        census.inc();
        collected!.register(pc, undefined);
      }
      return pc;
    },
    prepareRemoteSdp: (sdp) => ice.prepareRemoteSdp(sdp).sdp,
    acceptRemoteCandidate: (line) => ice.acceptRemoteCandidate(line.replace(/^a=/, "")),
    beforeConnect: (pc) => {
      if (earlyDtlsStart) startDtlsClientsEarly(pc);
    },
    close: () => ice.close(),
  };
}

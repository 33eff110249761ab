/**
 * Where every media-node peer connection comes from. The ICE module (`media-node/ice/`)
 * will own the ONE shared UDP port; until it lands this seam creates werift connections
 * directly, so switching is a change in `createPeerFactory` only.
 */
import { RTCPeerConnection, type PeerConfig } from "werift";
import type { WebrtcConfig } from "../config/types.js";

export interface PeerFactory {
  /** Advertised ICE port when all sessions share one socket; undefined for per-connection sockets. */
  readonly port: number | undefined;
  createPeerConnection(config: Partial<PeerConfig>): RTCPeerConnection;
  /** Rewrites a remote offer before werift reads it (e.g. drops `.local` candidates when mDNS is off). */
  prepareRemoteSdp(sdp: string): string;
  /** Whether a trickled remote candidate line should be given to werift. */
  acceptRemoteCandidate(line: string): boolean;
  close(): Promise<void>;
}

const isMdnsCandidate = (line: string) => /\s[0-9a-f-]+\.local\s/i.test(line);

/** Fallback: one werift connection = its own sockets. Kept small; the ICE endpoint replaces it. */
export function createDirectPeerFactory(webrtc: WebrtcConfig): PeerFactory {
  const dropMdns = webrtc.mdns.mode === "off";
  return {
    port: undefined,
    createPeerConnection(config) {
      return new RTCPeerConnection({
        iceServers: webrtc.iceServers.map((s) => ({ ...s })),
        iceAdditionalHostAddresses: webrtc.additionalHosts,
        iceUseIpv6: false,
        // werift's interface filter falls back to every interface when loopback is asked for;
        // turning interface discovery off leaves exactly the additional hosts.
        ...(webrtc.ipsFromInterfaces ? {} : { iceUseIpv4: false }),
        ...config,
      } as Partial<PeerConfig>);
    },
    prepareRemoteSdp(sdp) {
      if (!dropMdns) return sdp;
      return sdp
        .split(/\r?\n/)
        .filter((line) => !(line.startsWith("a=candidate:") && isMdnsCandidate(line)))
        .join("\r\n");
    },
    acceptRemoteCandidate(line) {
      return !(dropMdns && isMdnsCandidate(line));
    },
    async close() {},
  };
}

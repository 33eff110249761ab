import type { RTCPeerConnection } from "werift";

/** Resolves once the werift peer connection reports "connected"; rejects after `timeoutMs` naming its state. */
export function peerConnected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected within ${timeoutMs} ms (${pc.connectionState})`)), timeoutMs);
    const check = (state: string) => state === "connected" && (clearTimeout(timer), resolve());
    pc.connectionStateChange.subscribe(check);
    check(pc.connectionState);
  });
}

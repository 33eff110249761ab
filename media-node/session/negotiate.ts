/** Steps shared by publisher and viewer negotiation over a werift peer connection. */
import type { RTCPeerConnection } from "werift";
import { SessionError } from "./errors.js";
import type { SdpFragment } from "./types.js";
import type { PeerFactory } from "./peerFactory.js";

/** werift rejects what it cannot parse by throwing; that is the client's bad SDP, not our bug. */
export async function applyRemoteOffer(pc: RTCPeerConnection, peers: PeerFactory, offer: string): Promise<void> {
  try {
    await pc.setRemoteDescription({ type: "offer", sdp: peers.prepareRemoteSdp(offer) });
  } catch (cause) {
    throw new SessionError("MALFORMED_SDP", (cause as Error).message ?? String(cause), undefined, { cause });
  }
  peers.beforeConnect(pc);
}

/** Answers and waits (bounded) for host candidates, so the answer works without trickle. */
export async function answerWithCandidates(pc: RTCPeerConnection, gatherTimeoutMs = 3000): Promise<string> {
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (pc.iceGatheringState !== "complete") {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, gatherTimeoutMs);
      const sub = pc.iceGatheringStateChange.subscribe((state) => state === "complete" && done());
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error("werift produced no local description");
  return sdp;
}

export async function addTrickledCandidates(pc: RTCPeerConnection, peers: PeerFactory, fragment: SdpFragment): Promise<void> {
  for (const { candidate, sdpMid, sdpMLineIndex } of fragment.candidates) {
    if (!peers.acceptRemoteCandidate(`a=${candidate}`)) continue;
    await pc.addIceCandidate({ candidate, sdpMLineIndex, ...(sdpMid !== undefined ? { sdpMid } : {}) }).catch(() => undefined);
  }
}

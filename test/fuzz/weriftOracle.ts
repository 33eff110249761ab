/**
 * The in-process oracle of the offer fuzzers: what werift does with an offer the node's
 * validator let through, following the same steps as PublisherSession / ViewerSession
 * (media-node/session) up to the answer: setRemoteDescription, the per-transceiver choices,
 * createAnswer, setLocalDescription. No sockets: ICE gathers nothing (no interface, no
 * additional host), so one case costs a few milliseconds.
 *
 * A throw here for an offer `validateOffer` accepted is a finding: on the node it would be
 * a 500 (or an opaque 400 from werift's own message).
 */
import { RTCPeerConnection, RTCRtpCodecParameters } from "werift";
import { isSupportedCodec, pathCodecFromNegotiated, publisherCodecs, viewerCodec, type PathCodec } from "../../media-node/session/codecs.js";

export type Role = "publisher" | "viewer";

/** The path's sources a viewer is offered: the built-in test card (VP8) and Opus, as a WHIP publisher gives them. */
const VIEWER_SOURCES: PathCodec[] = [
  { kind: "video", mimeType: "video/VP8", clockRate: 90000, payloadType: 96 },
  { kind: "audio", mimeType: "audio/OPUS", clockRate: 48000, payloadType: 111, channels: 2 },
];

function newPeer(role: Role): RTCPeerConnection {
  const codecs =
    role === "publisher"
      ? publisherCodecs()
      : {
          video: VIEWER_SOURCES.filter((s) => s.kind === "video").map((s) => viewerCodec(s, "shared")),
          audio: VIEWER_SOURCES.filter((s) => s.kind === "audio").map((s) => viewerCodec(s, "shared")),
        };
  return new RTCPeerConnection({ codecs, iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: [] });
}

/** Resolves with the answer SDP, or rejects with werift's error. */
export async function negotiate(offer: string, role: Role): Promise<string> {
  const pc = newPeer(role);
  try {
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    const chosen = new Set<string>();
    for (const transceiver of pc.getTransceivers()) {
      if (role === "publisher") {
        const usable = transceiver.codecs.filter((c) => isSupportedCodec(transceiver.kind, c.mimeType.split("/")[1] ?? ""));
        if (usable.length === 0 || chosen.has(transceiver.kind)) {
          transceiver.setDirection("inactive");
          continue;
        }
        chosen.add(transceiver.kind);
        transceiver.setCodecPreferences([usable[0]!]);
        transceiver.setDirection("recvonly");
      } else {
        const source = VIEWER_SOURCES.some((s) => s.kind === transceiver.kind);
        transceiver.setDirection(source && transceiver.codecs.length > 0 ? "sendonly" : "inactive");
      }
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (role === "publisher") {
      for (const transceiver of pc.getTransceivers()) {
        const codec: RTCRtpCodecParameters | undefined = transceiver.codecs[0];
        if (codec && transceiver.direction === "recvonly") pathCodecFromNegotiated(transceiver.kind as "video" | "audio", codec);
      }
    }
    return pc.localDescription?.sdp ?? "";
  } finally {
    await pc.close().catch(() => undefined);
  }
}

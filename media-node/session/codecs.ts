/**
 * Which codecs the node negotiates: publishers may send VP8 or H264 video and Opus audio;
 * a viewer is offered exactly the codec its path's source sends (its own payload type is
 * whatever its offer picked), with NACK feedback only when `nack.mode` is not `off`.
 */
import { RTCRtpCodecParameters, useH264, useNACK, useOPUS, usePLI, useVP8, type RTCPFB } from "werift";
import type { NackMode } from "../config/types.js";
import type { MediaKind, SourceCodec } from "../fanout/types.js";

const VIDEO_NAMES = new Set(["vp8", "h264"]);
const AUDIO_NAMES = new Set(["opus"]);

export function isSupportedCodec(kind: string, codecName: string): boolean {
  const name = codecName.toLowerCase();
  return kind === "video" ? VIDEO_NAMES.has(name) : kind === "audio" ? AUDIO_NAMES.has(name) : false;
}

/** Codec name without the kind prefix, as SDP writes it: "video/VP8" -> "VP8". */
export const codecName = (mimeType: string) => mimeType.replace(/^(video|audio)\//i, "");

export function publisherCodecs(): { video: RTCRtpCodecParameters[]; audio: RTCRtpCodecParameters[] } {
  const videoFeedback = (): RTCPFB[] => [useNACK(), usePLI()];
  return {
    video: [useVP8({ rtcpFeedback: videoFeedback() }), useH264({ rtcpFeedback: videoFeedback() })],
    audio: [useOPUS()],
  };
}

/** The description of a source stream every viewer of the path must match. */
export interface PathCodec extends SourceCodec {
  kind: MediaKind;
  /** fmtp line (H264 profile/packetization), copied to viewers. */
  parameters?: string;
}

export function pathCodecFromNegotiated(kind: MediaKind, codec: RTCRtpCodecParameters): PathCodec {
  return {
    kind,
    mimeType: codec.mimeType,
    clockRate: codec.clockRate,
    payloadType: codec.payloadType,
    ...(codec.channels !== undefined ? { channels: codec.channels } : {}),
    ...(codec.parameters ? { parameters: codec.parameters } : {}),
  };
}

export function viewerCodec(source: PathCodec, nackMode: NackMode): RTCRtpCodecParameters {
  const feedback: RTCPFB[] = source.kind === "video" ? [...(nackMode === "off" ? [] : [useNACK()]), usePLI()] : [];
  return new RTCRtpCodecParameters({
    mimeType: source.mimeType,
    clockRate: source.clockRate,
    rtcpFeedback: feedback,
    ...(source.channels !== undefined ? { channels: source.channels } : {}),
    ...(source.parameters ? { parameters: source.parameters } : {}),
  });
}

/** The path codec an RTP-ingest source announces to viewers, from its configured codec. */
import type { RtpSourceConfig } from "../config/types.js";
import type { PathCodec } from "../session/codecs.js";

const H264_FMTP = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

export function ingestPathCodec(config: Pick<RtpSourceConfig, "codec" | "payloadType" | "clockRate">): PathCodec {
  switch (config.codec) {
    case "VP8":
      return { kind: "video", mimeType: "video/VP8", clockRate: config.clockRate, payloadType: config.payloadType };
    case "H264":
      return { kind: "video", mimeType: "video/H264", clockRate: config.clockRate, payloadType: config.payloadType, parameters: H264_FMTP };
    case "Opus":
      return { kind: "audio", mimeType: "audio/OPUS", clockRate: config.clockRate, payloadType: config.payloadType, channels: 2 };
  }
}

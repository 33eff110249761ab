/**
 * The built-in publisher (`source.testPattern`, and `--demo`): feeds a path directly with
 * VP8 RTP, no peer connection and no socket, so it costs the node nothing but the packets.
 * - `clip` (default): a real, decodable VP8 test card looped from an embedded IVF clip; a
 *   keyframe request jumps to the clip's next keyframe.
 * - `synthetic`: undecodable packets at `packetsPerSecond` with a running counter, for load.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { RtpHeader, RtpPacket } from "werift";
import type { TestPatternConfig } from "../config/types.js";
import type { MediaPath, PublisherHandle } from "../session/path.js";
import { parseIvf, type IvfClip } from "./ivf.js";
import { TEST_PATTERN_CLIP } from "./vp8Clip.js";
import { isVp8KeyframeData, packetizeVp8 } from "./vp8Packetizer.js";
import { createVp8Pattern } from "./vp8Pattern.js";

const PAYLOAD_TYPE = 96;
const CLOCK_RATE = 90000;
const SSRC = 0x4d460001;
const MAX_PAYLOAD = 1100;

export interface TestPattern {
  close(): void;
}

interface FrameSource {
  nextFrame(timestampStep: number): RtpPacket[];
  requestKeyframe(): void;
}

let cachedClip: IvfClip | undefined;

/** Loops the embedded clip; RTP sequence and timestamps keep running across loops. */
function clipSource(): FrameSource {
  cachedClip ??= parseIvf(readFileSync(TEST_PATTERN_CLIP));
  const { frames } = cachedClip;
  const keyframes = frames.flatMap((frame, i) => (isVp8KeyframeData(frame) ? [i] : []));
  let index = 0;
  let sequenceNumber = Math.floor(Math.random() * 0x10000);
  let timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  return {
    requestKeyframe() {
      index = keyframes.find((k) => k > index) ?? 0;
    },
    nextFrame(timestampStep) {
      const payloads = packetizeVp8(frames[index]!, MAX_PAYLOAD);
      index = (index + 1) % frames.length;
      const packets = payloads.map((payload, i) => {
        const header = new RtpHeader({ payloadType: PAYLOAD_TYPE, sequenceNumber, timestamp, ssrc: SSRC, marker: i === payloads.length - 1 });
        sequenceNumber = (sequenceNumber + 1) & 0xffff;
        return new RtpPacket(header, payload);
      });
      timestamp = (timestamp + timestampStep) >>> 0;
      return packets;
    },
  };
}

function syntheticSource(config: TestPatternConfig): FrameSource {
  const packetsPerFrame = Math.max(1, Math.round(config.packetsPerSecond / config.fps));
  return createVp8Pattern({ packetsPerFrame, payloadBytes: MAX_PAYLOAD, keyframeEvery: config.fps, ssrc: SSRC, payloadType: PAYLOAD_TYPE });
}

export function startTestPattern(options: { path: MediaPath; config: TestPatternConfig; logger: Logger }): TestPattern {
  const { path, config, logger } = options;
  const source = config.mode === "synthetic" ? syntheticSource(config) : clipSource();
  let timer: NodeJS.Timeout | undefined;
  const handle: PublisherHandle = {
    id: `pattern-${path.name}`,
    type: "testPattern",
    requestKeyframe: () => source.requestKeyframe(),
    close: () => close(),
  };
  path.claimPublisher(handle);
  path.addSource(handle, { kind: "video", mimeType: "video/VP8", clockRate: CLOCK_RATE, payloadType: PAYLOAD_TYPE });
  path.publisherReady(handle);

  const frameMs = 1000 / config.fps;
  const step = Math.round(CLOCK_RATE / config.fps);
  const started = performance.now();
  let frames = 0;
  // Catch up on late ticks (at most 5 frames) so the rate holds when the event loop is busy.
  const tick = () => {
    const due = Math.floor((performance.now() - started) / frameMs) + 1;
    for (let n = 0; frames < due && n < 5; n++, frames++) {
      for (const packet of source.nextFrame(step)) path.push("video", packet);
    }
    frames = Math.max(frames, due);
  };
  timer = setInterval(tick, frameMs);
  logger.info({ path: path.name, mode: config.mode, fps: config.fps }, "test pattern publishing");

  function close(): void {
    if (!timer) return;
    clearInterval(timer);
    timer = undefined;
    path.releasePublisher(handle, "pattern-stopped");
  }
  return { close };
}

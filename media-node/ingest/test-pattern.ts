/**
 * The built-in synthetic publisher (`source.testPattern`, and `--demo`): feeds a path
 * directly with VP8 RTP at `fps` frames and about `packetsPerSecond` packets a second,
 * with no peer connection and no socket, so it costs the node nothing but the packets.
 */
import type { Logger } from "pino";
import type { TestPatternConfig } from "../config/types.js";
import type { MediaPath, PublisherHandle } from "../session/path.js";
import { createVp8Pattern } from "./vp8-pattern.js";

const PAYLOAD_TYPE = 96;
const CLOCK_RATE = 90000;

export interface TestPattern {
  close(): void;
}

export function startTestPattern(options: { path: MediaPath; config: TestPatternConfig; logger: Logger }): TestPattern {
  const { path, config, logger } = options;
  const packetsPerFrame = Math.max(1, Math.round(config.packetsPerSecond / config.fps));
  const pattern = createVp8Pattern({ packetsPerFrame, payloadBytes: 1100, keyframeEvery: config.fps, ssrc: 0x4d460001, payloadType: PAYLOAD_TYPE });
  let timer: NodeJS.Timeout | undefined;
  const handle: PublisherHandle = {
    id: `pattern-${path.name}`,
    type: "testPattern",
    requestKeyframe: () => pattern.requestKeyframe(),
    close: () => close(),
  };
  path.claimPublisher(handle);
  path.addSource(handle, { kind: "video", mimeType: "video/VP8", clockRate: CLOCK_RATE, payloadType: PAYLOAD_TYPE });
  path.publisherReady(handle);

  const frameMs = 1000 / config.fps;
  const step = Math.round(CLOCK_RATE / config.fps);
  const started = performance.now();
  let frames = 0;
  // Catch up on late ticks so the packet rate holds even when the event loop is busy.
  const tick = () => {
    const due = Math.floor((performance.now() - started) / frameMs) + 1;
    for (let n = 0; frames < due && n < 5; n++, frames++) {
      for (const packet of pattern.nextFrame(step)) path.push("video", packet);
    }
    frames = Math.max(frames, due);
  };
  timer = setInterval(tick, frameMs);
  logger.info({ path: path.name, fps: config.fps, packetsPerFrame }, "test pattern publishing");

  function close(): void {
    if (!timer) return;
    clearInterval(timer);
    timer = undefined;
    path.releasePublisher(handle, "pattern-stopped");
  }
  return { close };
}

/**
 * The benchmark's source stream: synthetic VP8 over plain RTP/UDP into the node's RTP
 * ingest, paced by the wall clock (frames of `packetsPerFrame` packets sent together, as a
 * real encoder's frame bursts). 25 fps x 10 packets x 1100 bytes = 250 packets/s, ~2.2 Mbit/s.
 */
import { createSocket } from "node:dgram";
import { createVp8Pattern } from "../../media-node/ingest/vp8Pattern.js";

export interface RtpPublisherOptions {
  host: string;
  port: number;
  fps?: number;
  packetsPerFrame?: number;
  payloadBytes?: number;
  /** A keyframe every this many frames (viewers of an RTP path start at a keyframe). */
  keyframeEvery?: number;
  payloadType?: number;
}

export interface RtpPublisher {
  readonly packetsPerSecond: number;
  sent(): number;
  close(): Promise<void>;
}

export function startRtpPublisher(options: RtpPublisherOptions): RtpPublisher {
  const fps = options.fps ?? 25;
  const packetsPerFrame = options.packetsPerFrame ?? 10;
  const pattern = createVp8Pattern({
    packetsPerFrame,
    payloadBytes: options.payloadBytes ?? 1100,
    keyframeEvery: options.keyframeEvery ?? fps,
    ssrc: 0x5eed0001,
    payloadType: options.payloadType ?? 96,
  });
  const socket = createSocket("udp4");
  const frameMs = 1000 / fps;
  const started = performance.now();
  let frames = 0;
  let sent = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = () => {
    if (closed) return;
    // Catch up on frames the timer was late for, but never burst more than a second's worth.
    const due = Math.min(Math.floor((performance.now() - started) / frameMs) + 1, frames + fps);
    while (frames < due) {
      for (const packet of pattern.nextFrame(Math.round(90000 / fps))) {
        socket.send(packet.serialize(), options.port, options.host);
        sent += 1;
      }
      frames += 1;
    }
    timer = setTimeout(tick, Math.max(0, started + frames * frameMs - performance.now()));
  };
  tick();

  return {
    packetsPerSecond: fps * packetsPerFrame,
    sent: () => sent,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      clearTimeout(timer);
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

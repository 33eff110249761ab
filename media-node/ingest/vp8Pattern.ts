/**
 * Synthetic VP8 RTP packets for the built-in test pattern: frames split into ~1100-byte
 * packets with a correct payload descriptor (S bit on each frame's first packet) and frame
 * tag (P bit clear on keyframes), and a running counter in the last 4 payload bytes so a
 * receiver can check order and completeness. Pure: the caller owns timing.
 */
import { RtpHeader, RtpPacket } from "werift";

export interface Vp8PatternOptions {
  packetsPerFrame: number;
  payloadBytes: number;
  keyframeEvery: number;
  ssrc: number;
  payloadType: number;
}

export function createVp8Pattern(options: Vp8PatternOptions) {
  let sequenceNumber = Math.floor(Math.random() * 0x10000);
  let timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  let frame = 0;
  let counter = 0;
  let forceKeyframe = true;

  return {
    requestKeyframe() {
      forceKeyframe = true;
    },
    /** The packets of the next frame; `timestampStep` in clock ticks (90 kHz / fps). */
    nextFrame(timestampStep: number): RtpPacket[] {
      const keyframe = forceKeyframe || frame % options.keyframeEvery === 0;
      forceKeyframe = false;
      const packets: RtpPacket[] = [];
      for (let i = 0; i < options.packetsPerFrame; i++) {
        const payload = Buffer.alloc(options.payloadBytes, 0x5a);
        payload[0] = i === 0 ? 0x10 : 0x00; // S bit on the frame's first packet, partition 0
        if (i === 0) {
          payload[1] = keyframe ? 0x00 : 0x01; // frame tag: P bit clear = keyframe
          if (keyframe) payload.set([0x9d, 0x01, 0x2a], 4); // keyframe start code
        }
        payload.writeUInt32BE(counter, payload.length - 4);
        counter = (counter + 1) >>> 0;
        const header = new RtpHeader({
          payloadType: options.payloadType,
          sequenceNumber,
          timestamp,
          ssrc: options.ssrc,
          marker: i === options.packetsPerFrame - 1,
        });
        sequenceNumber = (sequenceNumber + 1) & 0xffff;
        packets.push(new RtpPacket(header, payload));
      }
      frame += 1;
      timestamp = (timestamp + timestampStep) >>> 0;
      return packets;
    },
  };
}

/** Reads the counter the pattern writes in the last 4 payload bytes. */
export function patternCounter(payload: Uint8Array): number {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return view.getUint32(payload.byteLength - 4);
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { createVp8Pattern, patternCounter } from "./vp8Pattern.js";
import { isVp8Keyframe } from "../codec/keyframe.js";

test("createVp8Pattern: keyframe every N frames (and on request), contiguous seq, counter, marker on the last packet", () => {
  const pattern = createVp8Pattern({ packetsPerFrame: 3, payloadBytes: 100, keyframeEvery: 4, ssrc: 7, payloadType: 96 });
  const frames = Array.from({ length: 6 }, () => pattern.nextFrame(3000));
  assert.deepEqual(frames.map((f) => isVp8Keyframe(f[0]!.payload)), [true, false, false, false, true, false]);
  pattern.requestKeyframe();
  assert.equal(isVp8Keyframe(pattern.nextFrame(3000)[0]!.payload), true, "a PLI forces the next frame to be a keyframe");
  const packets = frames.flat();
  assert.ok(packets.every((p, i) => i === 0 || p.header.sequenceNumber === ((packets[i - 1]!.header.sequenceNumber + 1) & 0xffff)));
  assert.deepEqual(packets.map((p) => patternCounter(p.payload)), packets.map((_, i) => i));
  assert.deepEqual(frames[0]!.map((p) => p.header.marker), [false, false, true]);
  assert.equal(isVp8Keyframe(frames[0]![1]!.payload), false, "continuation packets are not frame starts");
  assert.equal(frames[1]![0]!.header.timestamp - frames[0]![0]!.header.timestamp, 3000);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseIvf } from "./ivf.js";
import { isVp8KeyframeData, packetizeVp8 } from "./vp8Packetizer.js";
import { isVp8Keyframe } from "../codec/keyframe.js";
import { TEST_PATTERN_CLIP } from "./vp8Clip.js";

test("the embedded test-pattern clip parses as VP8 and starts on a keyframe", () => {
  const clip = parseIvf(readFileSync(TEST_PATTERN_CLIP));
  assert.equal(clip.fourcc, "VP80");
  assert.equal(clip.width, 480);
  assert.equal(clip.frames.length, 60);
  assert.ok(isVp8KeyframeData(clip.frames[0]!));
  assert.equal(clip.frames.filter(isVp8KeyframeData).length, 2, "one keyframe per second of a 2 s clip");
});

test("a damaged IVF file is an error, not a crash later", () => {
  const data = readFileSync(TEST_PATTERN_CLIP);
  assert.throws(() => parseIvf(data.subarray(0, 100)), /runs past the end/);
  assert.throws(() => parseIvf(Buffer.from("RIFF0000000000000000000000000000")), /DKIF/);
});

test("packetizeVp8 splits a frame, marks only the first packet as a start, and loses no byte", () => {
  const frame = Buffer.from(Array.from({ length: 2500 }, (_, i) => i & 0xff));
  frame[0] = 0x10; // keyframe flag clear
  const payloads = packetizeVp8(frame, 1100);
  assert.deepEqual(payloads.map((p) => p.length), [1100, 1100, 303]);
  assert.deepEqual(payloads.map((p) => p[0]), [0x10, 0x00, 0x00]);
  assert.deepEqual(Buffer.concat(payloads.map((p) => p.subarray(1))), frame);
  assert.ok(isVp8Keyframe(payloads[0]!), "the RTP-level keyframe detector agrees");
});

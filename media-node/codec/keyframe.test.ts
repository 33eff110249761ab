import { test } from "node:test";
import assert from "node:assert/strict";
import { isH264Keyframe, isVp8Keyframe, keyframeDetector } from "./keyframe.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

test("VP8: S bit, partition 0 and P clear -> keyframe; P set or S clear -> not", () => {
  assert.equal(isVp8Keyframe(bytes(0x10, 0x00, 0x00, 0x00)), true);
  assert.equal(isVp8Keyframe(bytes(0x10, 0x01, 0x00, 0x00)), false, "P bit set: interframe");
  assert.equal(isVp8Keyframe(bytes(0x00, 0x00, 0x00)), false, "continuation packet");
  assert.equal(isVp8Keyframe(bytes(0x11, 0x00)), false, "partition 1");
  assert.equal(isVp8Keyframe(bytes(0x10)), false, "truncated");
});

test("VP8: extended descriptor with 15-bit picture id, TL0PICIDX and KEYIDX is skipped", () => {
  // X=1,S=1 | I,L,T set | picture id M=1 (2 bytes) | tl0 | tid | frame tag P=0
  assert.equal(isVp8Keyframe(bytes(0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x00)), true);
  assert.equal(isVp8Keyframe(bytes(0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x01)), false);
  // 7-bit picture id only
  assert.equal(isVp8Keyframe(bytes(0x90, 0x80, 0x11, 0x00)), true);
  assert.equal(isVp8Keyframe(bytes(0x90, 0x80)), false, "truncated picture id");
});

test("H264: IDR and SPS single NAL units are keyframes, non-IDR slices are not", () => {
  assert.equal(isH264Keyframe(bytes(0x65, 0x88)), true, "IDR (type 5)");
  assert.equal(isH264Keyframe(bytes(0x67, 0x42)), true, "SPS (type 7)");
  assert.equal(isH264Keyframe(bytes(0x41, 0x9a)), false, "non-IDR slice (type 1)");
  assert.equal(isH264Keyframe(bytes(0x68, 0xce)), false, "PPS alone");
  assert.equal(isH264Keyframe(bytes()), false);
});

test("H264: STAP-A holding an SPS is a keyframe; one holding only slices is not", () => {
  // STAP-A (0x18) | size 2 | SPS 0x67 0x42 | size 2 | PPS 0x68 0xce
  assert.equal(isH264Keyframe(bytes(0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce)), true);
  assert.equal(isH264Keyframe(bytes(0x18, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x41, 0x9a)), false);
  assert.equal(isH264Keyframe(bytes(0x18, 0x00, 0x09, 0x67)), false, "size past the end");
});

test("H264: FU-A start of an IDR is a keyframe; a middle fragment is not", () => {
  assert.equal(isH264Keyframe(bytes(0x7c, 0x85, 0x88)), true, "FU-A S=1 type 5");
  assert.equal(isH264Keyframe(bytes(0x7c, 0x05, 0x88)), false, "FU-A S=0");
  assert.equal(isH264Keyframe(bytes(0x7c, 0x81, 0x88)), false, "FU-A start of non-IDR");
  assert.equal(isH264Keyframe(bytes(0x7c)), false, "truncated");
});

test("keyframeDetector picks by codec name; Opus packets are always a start", () => {
  assert.equal(keyframeDetector("video/VP8")(bytes(0x10, 0x00)), true);
  assert.equal(keyframeDetector("H264")(bytes(0x41)), false);
  assert.equal(keyframeDetector("Opus")(bytes(0x00)), true);
});

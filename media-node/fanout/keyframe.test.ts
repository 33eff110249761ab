import { test } from "node:test";
import assert from "node:assert/strict";
import { h264KeyframeStart, isKeyframeStart, vp8KeyframeStart, vp9KeyframeStart } from "./keyframe.js";

test("VP8: start of partition 0 with P=0 -> keyframe; P=1 or continuation -> not", () => {
  assert.equal(vp8KeyframeStart(Buffer.from([0x10, 0x00])), true);
  assert.equal(vp8KeyframeStart(Buffer.from([0x10, 0x01])), false);
  assert.equal(vp8KeyframeStart(Buffer.from([0x00, 0x00])), false);
  // X set, I set with 15-bit picture id -> header after 4 bytes
  assert.equal(vp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x00])), true);
  assert.equal(vp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x01])), false);
  assert.equal(vp8KeyframeStart(Buffer.alloc(0)), false);
});

test("H264: IDR, SPS in STAP-A, FU-A start of IDR -> keyframe; FU-A middle -> not", () => {
  assert.equal(h264KeyframeStart(Buffer.from([0x65, 1])), true);
  assert.equal(h264KeyframeStart(Buffer.from([0x41, 1])), false);
  assert.equal(h264KeyframeStart(Buffer.from([0x18, 0, 2, 0x67, 0x42, 0, 1, 0x68])), true);
  assert.equal(h264KeyframeStart(Buffer.from([0x7c, 0x85, 0])), true);
  assert.equal(h264KeyframeStart(Buffer.from([0x7c, 0x05, 0])), false);
});

test("VP9 descriptor and unknown codecs", () => {
  assert.equal(vp9KeyframeStart(Buffer.from([0x08])), true);
  assert.equal(vp9KeyframeStart(Buffer.from([0x48])), false);
  assert.equal(isKeyframeStart("audio/opus", Buffer.alloc(0)), true);
  assert.equal(isKeyframeStart("video/VP8", Buffer.from([0x10, 0x00])), true);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { isNewer, seqAdd, seqDiff, tsAdd } from "./seq.js";

test("seqDiff across the 16-bit wrap -> small signed distances", () => {
  assert.equal(seqDiff(2, 65534), 4);
  assert.equal(seqDiff(65534, 2), -4);
  assert.equal(seqDiff(100, 100), 0);
  assert.equal(seqDiff(32767, 0), 32767);
  assert.equal(seqDiff(32768, 0), -32768);
});

test("isNewer treats 0 as newer than 65535", () => {
  assert.equal(isNewer(0, 65535), true);
  assert.equal(isNewer(65535, 0), false);
  assert.equal(isNewer(5, 5), false);
});

test("seqAdd and tsAdd wrap into their ranges", () => {
  assert.equal(seqAdd(65535, 1), 0);
  assert.equal(seqAdd(0, -1), 65535);
  assert.equal(tsAdd(0xffffffff, 2), 1);
  assert.equal(tsAdd(0, -1), 0xffffffff);
});

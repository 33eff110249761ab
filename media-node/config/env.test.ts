import { test } from "node:test";
import assert from "node:assert/strict";
import { HEAP_SAMPLING_ENV, heapSamplingBytesFromEnv } from "./env.js";

test("MEDIA_NODE_HEAP_SAMPLING_BYTES: absent or empty -> the default; a whole number in range -> it", () => {
  assert.equal(heapSamplingBytesFromEnv({}, 131072), 131072);
  assert.equal(heapSamplingBytesFromEnv({ [HEAP_SAMPLING_ENV]: "" }, 131072), 131072);
  assert.equal(heapSamplingBytesFromEnv({ [HEAP_SAMPLING_ENV]: "16384" }, 131072), 16384);
});

test("MEDIA_NODE_HEAP_SAMPLING_BYTES: garbage, zero or out of range -> refused with the variable's name, not silently the default", () => {
  for (const bad of ["abc", "0", "12.5", "-4", "1e6", String(2 ** 40)]) {
    assert.throws(() => heapSamplingBytesFromEnv({ [HEAP_SAMPLING_ENV]: bad }, 131072), new RegExp(`${HEAP_SAMPLING_ENV} must be .*got "${bad.replace(/[.+]/g, "\\$&")}"`), bad);
  }
});

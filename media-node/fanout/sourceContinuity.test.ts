import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_FORWARD_GAP, MAX_REORDER, SourceContinuity } from "./sourceContinuity.js";

const SSRC = 0x11223344;

test("a stream that continues — in order, across the 16-bit wrap, late, repeated, or after some loss — is no restart", () => {
  const c = new SourceContinuity(90000);
  let now = 0;
  for (const seq of [65530, 65531, 65535, 0, 1, 2, 1, 65534, 3, 3 + 100, 3 + 100 - MAX_REORDER, 103 + MAX_FORWARD_GAP]) {
    assert.equal(c.observe(SSRC, seq, (now += 4)), undefined, `seq ${seq}`);
  }
});

test("a new SSRC, a jump back beyond reordering, or a forward gap no NACK could fill starts a new numbering", () => {
  const c = new SourceContinuity(90000);
  c.observe(SSRC, 1000, 0);
  assert.equal(c.observe(SSRC, 1000 - MAX_REORDER - 1, 1500), 135_000, "1.5 s of the 90 kHz clock since the last packet");
  assert.equal(c.observe(SSRC, 1000 - MAX_REORDER, 1504), undefined, "then it continues from the new numbering");
  assert.equal(c.observe(SSRC, 500 + MAX_FORWARD_GAP + 1, 1508), 360);
  assert.equal(c.observe(0x55667788, 3502, 1508), 1, "same instant: a step of at least one tick");
  assert.equal(c.observe(0x55667788, 3503, 1512), undefined);
});

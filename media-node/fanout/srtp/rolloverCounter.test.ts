import { test } from "node:test";
import assert from "node:assert/strict";
import { ReceiverRolloverCounter, SenderRolloverCounter } from "./rolloverCounter.js";

test("sender ROC: increments when the sequence wraps, resends keep the ROC their sequence had", () => {
  const s = new SenderRolloverCounter();
  assert.equal(s.highestSequence, undefined);
  assert.equal(s.rocFor(65530), 0);
  for (const seq of [65531, 65532, 65533, 65534, 65535]) assert.equal(s.rocFor(seq), 0);
  assert.equal(s.rocFor(0), 1, "wrap -> ROC 1");
  assert.equal(s.rocFor(1), 1);
  assert.equal(s.rocFor(65533), 0, "resend of a pre-wrap packet -> ROC 0");
  assert.equal(s.rocFor(0), 1, "resend of a post-wrap packet -> ROC 1");
  assert.equal(s.rocFor(2), 1, "the resends did not move the state");
  assert.equal(s.highestSequence, 2);
  assert.equal(s.rocFor(400), 1, "a jump forward (loss before the sender) is still new");
  assert.equal(s.rocFor(10), 1, "older by 390 -> same ROC");
});

test("sender ROC: a sequence behind the first packet across the wrap has no index -> -1", () => {
  const s = new SenderRolloverCounter();
  assert.equal(s.rocFor(5), 0);
  assert.equal(s.rocFor(65000), -1);
  assert.equal(s.rocFor(6), 0, "state unchanged");
});

test("sender ROC: every wrap counted; a jump of exactly half the space is not taken as new", () => {
  const s = new SenderRolloverCounter();
  s.rocFor(1);
  // 1, 1001, ... 327001: crosses 65536, 131072, 196608 and 262144 -> four wraps (327680 not reached)
  for (let i = 1001; i <= 5 * 65536; i += 1000) s.rocFor(i & 0xffff);
  assert.equal(s.rolloverCounter, 4);
  const h = s.highestSequence!;
  s.rocFor((h + 0x8000) & 0xffff);
  assert.equal(s.highestSequence, h, "ambiguous half-space jump leaves s_l alone");
});

test("receiver estimate (RFC 3711 §3.3.1): picks ROC-1 / ROC / ROC+1 closest to s_l", () => {
  const r = new ReceiverRolloverCounter();
  assert.equal(r.estimate(65534), 0);
  r.commit(65534, 0);
  assert.equal(r.estimate(65535), 0);
  assert.equal(r.estimate(3), 1, "wrapped forward");
  r.commit(3, 1);
  assert.equal(r.estimate(65530), 0, "late packet from before the wrap");
  r.commit(65530, 0);
  assert.equal(r.estimate(4), 1, "a late packet did not move s_l back");
});

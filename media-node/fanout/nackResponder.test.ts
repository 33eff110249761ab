import { test } from "node:test";
import assert from "node:assert/strict";
import { PacketHistory } from "./history.js";
import { SeqRewriter } from "./seqRewriter.js";
import {
  answerNack,
  GUARD_SLOTS,
  MAX_NACK_SEQS_PER_PACKET,
  MIN_RESEND_INTERVAL_MS,
  ResendGuard,
  resendWindowMs,
  type NackContext,
} from "./nackResponder.js";

function setup(firstViewerSeq: number, firstSourceSeq: number, packets: number) {
  const history = new PacketHistory(512);
  const rewriter = new SeqRewriter(firstViewerSeq, 0);
  for (let i = 0; i < packets; i++) {
    const src = (firstSourceSeq + i) & 0xffff;
    history.put(src, i * 3000, false, Buffer.from([i & 0xff]));
    rewriter.outSeq(src, i * 3000);
  }
  const resent: Array<[number, number]> = [];
  const guard = new ResendGuard();
  const ctx = (nowMs: number, rttMs?: number): NackContext => ({
    toHistorySeq: (v) => rewriter.sourceSeq(v),
    lookup: (s) => history.get(s),
    resend: (v, e) => resent.push([v, e.seq]),
    guard,
    nowMs,
    rttMs,
  });
  return { ctx, resent, guard };
}

test("NACK for viewer seqs across both wraps -> the exact source packets are resent", () => {
  const { ctx, resent } = setup(65530, 65500, 20); // viewer wraps at i=6, source does not
  const out = answerNack([65534, 65535, 0, 1], ctx(1000));
  assert.deepEqual(out, { requested: 4, resent: 4, suppressed: 0, misses: 0, ignored: 0 });
  assert.deepEqual(resent, [[65534, 65504], [65535, 65505], [0, 65506], [1, 65507]]);
});

test("same NACK repeated every 5 ms (werift receiver) -> resent once per RTT, rest suppressed", () => {
  const { ctx, resent } = setup(0, 100, 50);
  let suppressed = 0;
  for (let k = 0; k < 10; k++) suppressed += answerNack([7], ctx(1000 + k * 5, 100)).suppressed;
  assert.equal(resent.length, 1);
  assert.equal(suppressed, 9);
  answerNack([7], ctx(1000 + 101, 100));
  assert.equal(resent.length, 2, "a NACK after one RTT is served again (the resend may be lost too)");
});

test("RTT unknown -> default window 100 ms; tiny RTT -> floor of MIN_RESEND_INTERVAL_MS", () => {
  assert.equal(resendWindowMs(undefined), 100);
  assert.equal(resendWindowMs(1), MIN_RESEND_INTERVAL_MS);
  assert.equal(resendWindowMs(60_000), 1000);
});

test("NACK for packets overwritten or never sent -> counted as misses", () => {
  const { ctx, resent } = setup(0, 0, 10);
  const out = answerNack([3, 4000, 9], ctx(0));
  assert.equal(out.misses, 1);
  assert.equal(out.resent, 2);
  assert.equal(resent.length, 2);
});

test("NACK listing 20,000 sequence numbers -> capped, excess counted as ignored", () => {
  const { ctx, resent } = setup(0, 0, 300);
  const lost = Array.from({ length: 20_000 }, (_, i) => i & 0xffff);
  const out = answerNack(lost, ctx(0));
  assert.equal(out.requested, MAX_NACK_SEQS_PER_PACKET);
  assert.equal(out.ignored, 20_000 - MAX_NACK_SEQS_PER_PACKET);
  assert.equal(resent.length, MAX_NACK_SEQS_PER_PACKET);
});

test("ResendGuard is lazily allocated and fixed-size whatever the NACK volume", () => {
  const g = new ResendGuard();
  assert.equal(g.bytes(), 0);
  for (let s = 0; s < 10_000; s++) g.admit(s, s, 100);
  assert.equal(g.bytes(), GUARD_SLOTS * 8);
});

test("guard survives the ms clock crossing 2^32", () => {
  const g = new ResendGuard();
  const t0 = 2 ** 32 - 10;
  assert.equal(g.admit(5, t0, 100), true);
  assert.equal(g.admit(5, t0 + 50, 100), false);
  assert.equal(g.admit(5, t0 + 150, 100), true);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { SeqRewriter } from "./seqRewriter.js";

test("viewer joining mid-stream -> sequence starts at its own first number, contiguous", () => {
  const r = new SeqRewriter(1000, 5000);
  const out = [40000, 40001, 40002].map((s, i) => r.outSeq(s, 90000 + i * 3000));
  assert.deepEqual(out, [1000, 1001, 1002]);
  assert.equal(r.outTs(93000), 8000);
});

test("source sequence wraps while viewer does not -> mapping stays exact", () => {
  const r = new SeqRewriter(100, 0);
  const src = [65534, 65535, 0, 1, 2];
  const out = src.map((s) => r.outSeq(s, 0));
  assert.deepEqual(out, [100, 101, 102, 103, 104]);
  out.forEach((v, i) => assert.equal(r.sourceSeq(v), src[i]));
});

test("viewer sequence wraps while source does not -> NACK maps back exactly", () => {
  const r = new SeqRewriter(65534, 0);
  const src = [10, 11, 12, 13];
  const out = src.map((s) => r.outSeq(s, 0));
  assert.deepEqual(out, [65534, 65535, 0, 1]);
  assert.equal(r.sourceSeq(0), 12);
  assert.equal(r.sourceSeq(65535), 11);
});

test("timestamps wrap at 2^32", () => {
  const r = new SeqRewriter(0, 0xffffff00);
  r.outSeq(5, 1000);
  assert.equal(r.outTs(1000 + 0x200), 0x100);
});

test("rebase after a source switch -> continues at last + 1, old packets still map back", () => {
  const r = new SeqRewriter(500, 0);
  r.outSeq(10, 0);
  r.outSeq(11, 3000);
  r.rebase(3000);
  const next = r.outSeq(60000, 777);
  assert.equal(next, 502);
  assert.equal(r.outTs(777), 6000);
  assert.equal(r.sourceSeq(501), 11); // sent before the switch
  assert.equal(r.sourceSeq(502), 60000);
  assert.equal(r.sourceSeq(503), 60001);
});

test("out-of-order source packet -> rewritten consistently, highest stays highest", () => {
  const r = new SeqRewriter(0, 0);
  r.outSeq(10, 0);
  r.outSeq(12, 0);
  assert.equal(r.outSeq(11, 0), 1);
  assert.equal(r.highestSeq, 2);
  assert.equal(r.sourceSeq(5), 15);
});

test("sourceSeq before any packet -> undefined", () => {
  assert.equal(new SeqRewriter(0, 0).sourceSeq(3), undefined);
});

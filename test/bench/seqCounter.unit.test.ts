import { test } from "node:test";
import assert from "node:assert/strict";
import { SeqCounter } from "./seqCounter.js";

test("SeqCounter counts gaps as expected-but-missing, across the 16-bit wrap", () => {
  const c = new SeqCounter();
  for (let s = 65530; s < 65536 + 10; s++) if (s !== 65535 && s !== 65536 + 3) c.push(s & 0xffff);
  assert.deepEqual(c.counts(), { received: 14, expected: 16, duplicates: 0 });
});

test("SeqCounter counts a packet once per window; reset opens a new window", () => {
  const c = new SeqCounter();
  c.push(10);
  c.push(11);
  c.push(11);
  assert.deepEqual(c.counts(), { received: 2, expected: 2, duplicates: 1 });
  c.reset();
  assert.deepEqual(c.counts(), { received: 0, expected: 0, duplicates: 0 });
  c.push(11);
  c.push(13);
  assert.deepEqual(c.counts(), { received: 2, expected: 3, duplicates: 0 });
  assert.equal(c.total, 5);
});

test("SeqCounter: a late packet below the first one widens the window", () => {
  const c = new SeqCounter();
  c.push(5);
  c.push(3);
  c.push(4);
  assert.deepEqual(c.counts(), { received: 3, expected: 3, duplicates: 0 });
});

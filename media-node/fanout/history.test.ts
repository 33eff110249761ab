import { test } from "node:test";
import assert from "node:assert/strict";
import { PacketHistory } from "./history.js";

test("new PacketHistory(100) -> RangeError naming the allowed sizes", () => {
  assert.throws(() => new PacketHistory(100), (e: Error) => e instanceof RangeError && /64, 128, 256, 512/.test(e.message));
  assert.throws(() => new PacketHistory(0), RangeError);
});

test("get returns the stored reference, not a copy", () => {
  const h = new PacketHistory(64);
  const payload = Buffer.from([1, 2, 3]);
  h.put(10, 1234, true, payload);
  const e = h.get(10);
  assert.ok(e);
  assert.equal(e.payload, payload);
  assert.equal(e.timestamp, 1234);
  assert.equal(e.marker, true);
  assert.equal(h.get(11), undefined);
});

test("a packet overwritten by seq + size -> get(old) is undefined", () => {
  const h = new PacketHistory(64);
  h.put(5, 0, false, Buffer.alloc(10));
  h.put(5 + 64, 0, false, Buffer.alloc(20));
  assert.equal(h.get(5), undefined);
  assert.equal(h.get(69)?.payload.length, 20);
  assert.equal(h.packets(), 1);
});

test("history across the 16-bit wrap keeps exact sequence numbers", () => {
  const h = new PacketHistory(64);
  for (let i = 0; i < 40; i++) h.put((65520 + i) & 0xffff, i, false, Buffer.alloc(1, i));
  assert.equal(h.get(65535)?.payload[0], 15);
  assert.equal(h.get(0)?.payload[0], 16);
  assert.equal(h.get(23)?.payload[0], 39);
  assert.equal(h.get(24), undefined);
});

test("bytes() tracks payloads held plus fixed slots", () => {
  const h = new PacketHistory(64);
  const fixed = h.bytes();
  h.put(1, 0, false, Buffer.alloc(100));
  h.put(2, 0, false, Buffer.alloc(50));
  assert.equal(h.bytes() - fixed, 150);
  h.put(65, 0, false, Buffer.alloc(10)); // replaces seq 1
  assert.equal(h.bytes() - fixed, 60);
  h.clear();
  assert.equal(h.bytes(), fixed);
  assert.equal(h.packets(), 0);
});

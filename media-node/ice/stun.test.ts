import assert from "node:assert/strict";
import { test } from "node:test";
import { inspectDatagram } from "./stun.js";

/** Build a STUN message by hand (RFC 8489 layout), attributes padded to 4 bytes. */
function stun(type: number, attrs: { type: number; value: Buffer }[], cookie = 0x2112a442): Buffer {
  const body = Buffer.concat(
    attrs.map(({ type: t, value }) => {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(t, 0);
      head.writeUInt16BE(value.length, 2);
      return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(cookie, 4);
  header.fill(7, 8, 20);
  return Buffer.concat([header, body]);
}
const username = (u: string) => ({ type: 0x0006, value: Buffer.from(u, "utf8") });
const priority = { type: 0x0024, value: Buffer.from([0, 0, 0, 1]) };

test("binding request with USERNAME -> local and remote ufrag", () => {
  const kind = inspectDatagram(stun(0x0001, [priority, username("ab12:cd34ef")]));
  assert.deepEqual(kind, { kind: "stun", stunClass: "request", localUfrag: "ab12", remoteUfrag: "cd34ef" });
});

test("USERNAME with an odd length (padding) after other attributes -> parsed", () => {
  const kind = inspectDatagram(stun(0x0001, [username("x1y:abcde"), priority]));
  assert.deepEqual(kind, { kind: "stun", stunClass: "request", localUfrag: "x1y", remoteUfrag: "abcde" });
});

test("success, error and indication classes -> no username parsed", () => {
  assert.deepEqual(inspectDatagram(stun(0x0101, [username("a:b")])), { kind: "stun", stunClass: "success" });
  assert.deepEqual(inspectDatagram(stun(0x0111, [])), { kind: "stun", stunClass: "error" });
  assert.deepEqual(inspectDatagram(stun(0x0011, [])), { kind: "stun", stunClass: "indication" });
});

test("request without USERNAME -> stun request with no ufrag", () => {
  assert.deepEqual(inspectDatagram(stun(0x0001, [priority])), { kind: "stun", stunClass: "request" });
});

test("shorter than the 20-byte header -> truncatedStun", () => {
  assert.deepEqual(inspectDatagram(Buffer.from([0, 1, 0, 0, 0x21, 0x12])), { kind: "invalid", reason: "truncatedStun" });
});

test("declared length beyond the datagram -> truncatedStun", () => {
  const full = stun(0x0001, [username("ab12:cd34")]);
  assert.deepEqual(inspectDatagram(full.subarray(0, full.length - 4)), { kind: "invalid", reason: "truncatedStun" });
});

test("attribute length beyond the message -> truncatedStun, never a read past the end", () => {
  const msg = stun(0x0001, [username("ab12:cd34")]);
  msg.writeUInt16BE(400, 22); // USERNAME claims 400 bytes
  assert.deepEqual(inspectDatagram(msg), { kind: "invalid", reason: "truncatedStun" });
});

test("bad magic cookie or unaligned length -> malformedStun", () => {
  assert.deepEqual(inspectDatagram(stun(0x0001, [], 0xdeadbeef)), { kind: "invalid", reason: "malformedStun" });
  const msg = stun(0x0001, [priority]);
  msg.writeUInt16BE(6, 2);
  assert.deepEqual(inspectDatagram(msg), { kind: "invalid", reason: "malformedStun" });
});

test("USERNAME without a colon or empty -> malformedStun", () => {
  assert.deepEqual(inspectDatagram(stun(0x0001, [username("nocolon")])), { kind: "invalid", reason: "malformedStun" });
  assert.deepEqual(inspectDatagram(stun(0x0001, [username(":x")])), { kind: "invalid", reason: "malformedStun" });
  assert.deepEqual(inspectDatagram(stun(0x0001, [{ type: 0x0006, value: Buffer.alloc(0) }])), { kind: "invalid", reason: "malformedStun" });
});

test("a USERNAME inside a subarray of a bigger buffer is read at the right offset", () => {
  const msg = stun(0x0001, [username("ab12:cd34")]);
  const pool = Buffer.concat([Buffer.alloc(13, 0xff), msg, Buffer.alloc(9, 0xff)]);
  assert.deepEqual(inspectDatagram(pool.subarray(13, 13 + msg.length)), { kind: "stun", stunClass: "request", localUfrag: "ab12", remoteUfrag: "cd34" });
});

test("DTLS, RTP, RTCP, TURN channel first bytes -> media", () => {
  for (const first of [20, 22, 63, 64, 79, 128, 0x90, 191, 16]) {
    assert.deepEqual(inspectDatagram(Buffer.from([first, 0, 0, 0])), { kind: "media" }, `first byte ${first}`);
  }
});

test("empty datagram and bytes outside every RFC 7983 range -> garbage", () => {
  assert.deepEqual(inspectDatagram(Buffer.alloc(0)), { kind: "invalid", reason: "garbage" });
  for (const first of [4, 15, 80, 127, 192, 255]) {
    assert.deepEqual(inspectDatagram(Buffer.from([first, 1, 2, 3])), { kind: "invalid", reason: "garbage" }, `first byte ${first}`);
  }
});

test("10k random datagrams -> never throws", () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
  for (let i = 0; i < 10_000; i++) {
    const buf = Buffer.from(Buffer.alloc(rand() % 80, 0).map(() => rand()));
    if (i % 2 === 0 && buf.length >= 8) {
      buf[0] = 0;
      buf.writeUInt32BE(0x2112a442, 4);
    }
    assert.doesNotThrow(() => inspectDatagram(buf));
  }
});

test("USERNAME that is not UTF-8 -> malformedStun (it would decode to U+FFFD, a ufrag no session has)", () => {
  const bytes = Buffer.from([0xff, 0x62, 0x63, 0x64, 0x3a, 0x61, 0x62, 0x63, 0x64]);
  assert.deepEqual(inspectDatagram(stun(0x0001, [priority, { type: 0x0006, value: bytes }])), { kind: "invalid", reason: "malformedStun" });
});

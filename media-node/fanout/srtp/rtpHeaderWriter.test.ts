import { test } from "node:test";
import assert from "node:assert/strict";
import { RtpHeader } from "werift";
import { rtpHeaderLength, writeRtpHeader } from "./rtpHeaderWriter.js";

function both(h: RtpHeader): [string, string] {
  const size = rtpHeaderLength(h);
  const buf = Buffer.alloc(size + 8, 0xee); // dirty bytes: padding must come out zero
  const end = writeRtpHeader(h, buf, 4);
  assert.equal(end - 4, size);
  return [buf.subarray(4, end).toString("hex"), h.serialize(h.serializeSize).toString("hex")];
}

test("header writer -> the same bytes werift serializes (plain, marker, CSRCs, padding bit)", () => {
  const [ours, theirs] = both(new RtpHeader({ payloadType: 111, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, csrc: [1, 0xffffffff], padding: true }));
  assert.equal(ours, theirs);
  assert.equal(ours.length / 2, 20);
});

test("header writer -> one-byte extensions, padded to a word, identical to werift", () => {
  const h = new RtpHeader({ payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, extensions: [{ id: 1, payload: Buffer.from("video0") }, { id: 3, payload: Buffer.from([1, 2, 3]) }, { id: 5, payload: Buffer.from([9, 9]) }] });
  const [ours, theirs] = both(h);
  assert.equal(ours, theirs);
  assert.equal(rtpHeaderLength(h) % 4, 0);
});

test("header writer -> two-byte form when an id or a length does not fit one byte, same as werift's two-byte", () => {
  const h = new RtpHeader({ payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, extensionProfile: 0x1000, extensions: [{ id: 15, payload: Buffer.from([7]) }, { id: 2, payload: Buffer.alloc(17, 1) }] });
  const [ours, theirs] = both(h);
  assert.equal(ours, theirs);
  assert.throws(() => writeRtpHeader({ ...h, extensions: [{ id: 300, payload: Buffer.from([1]) }] }, Buffer.alloc(64), 0), /cannot be encoded/);
});

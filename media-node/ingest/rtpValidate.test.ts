import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRtpDatagram } from "./rtpValidate.js";

function packet(options: { version?: number; pt?: number; csrc?: number; ext?: number[]; padding?: number; payload?: number[] } = {}) {
  const { version = 2, pt = 96, csrc = 0, ext, padding = 0, payload = [0x10, 0x00] } = options;
  const out: number[] = [(version << 6) | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc, 0x80 | pt, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef];
  for (let i = 0; i < csrc; i++) out.push(0, 0, 0, i);
  if (ext) out.push(0xbe, 0xde, (ext.length / 4) >> 8, (ext.length / 4) & 0xff, ...ext);
  out.push(...payload);
  if (padding) out.push(...new Array(padding - 1).fill(0), padding);
  return Uint8Array.from(out);
}

test("a well-formed packet passes and reports its payload bounds", () => {
  const result = checkRtpDatagram(packet({ csrc: 1, ext: [0x12, 1, 2, 3], padding: 3 }), 96);
  assert.ok(result.ok);
  assert.equal(result.payloadOffset, 12 + 4 + 8);
  assert.equal(result.payloadEnd - result.payloadOffset, 2);
  assert.equal(result.sequenceNumber, 0x1234);
  assert.equal(result.ssrc, 0xdeadbeef);
  assert.equal(result.marker, true);
});

test("each structural defect is rejected with its reason", () => {
  const reject = (data: Uint8Array, pt?: number) => {
    const result = checkRtpDatagram(data, pt);
    return result.ok ? "ok" : result.reason;
  };
  assert.equal(reject(Uint8Array.from([0x80, 0x60, 0, 1])), "too-short");
  assert.equal(reject(packet({ version: 1 })), "bad-version");
  assert.equal(reject(packet({ csrc: 2 }).subarray(0, 16)), "csrc-overflow");
  const ext = packet({ ext: [1, 2, 3, 4] });
  assert.equal(reject(ext.subarray(0, 17)), "extension-overflow", "extension body cut");
  assert.equal(reject(ext.subarray(0, 14)), "extension-overflow", "extension header cut");
  const badPadding = packet({ padding: 2 });
  badPadding[badPadding.length - 1] = 200;
  assert.equal(reject(badPadding), "bad-padding");
  const zeroPadding = packet({ padding: 2 });
  zeroPadding[zeroPadding.length - 1] = 0;
  assert.equal(reject(zeroPadding), "bad-padding");
  assert.equal(reject(packet({ pt: 97 }), 96), "payload-type");
  assert.equal(reject(packet({ payload: [] })), "empty-payload");
  assert.equal(reject(Uint8Array.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0])), "rtcp");
});

test("RFC 8285 extension elements must fit their block, or werift would take the payload from the wrong byte", () => {
  const reason = (ext: number[], profile = [0xbe, 0xde]) => {
    const data = packet({ ext });
    data.set(profile, 12);
    const result = checkRtpDatagram(data, 96);
    return result.ok ? "ok" : result.reason;
  };
  assert.equal(reason([0x11, 0xaa, 0xbb, 0x00]), "ok", "one-byte: id 1, 2 bytes, one byte of padding");
  assert.equal(reason([0x13, 0xaa, 0xbb, 0xcc]), "bad-extension", "one-byte: id 1 says 4 bytes, the block has 3 left");
  assert.equal(reason([0xf0, 0x00, 0x00, 0x00]), "bad-extension", "one-byte: id 15 is reserved (werift stops reading there)");
  assert.equal(reason([0x01, 0x02, 0xaa, 0xbb], [0x10, 0x00]), "ok", "two-byte: id 1, 2 bytes");
  assert.equal(reason([0x01, 0x05, 0xaa, 0xbb], [0x10, 0x00]), "bad-extension", "two-byte: 5 bytes announced, 2 left");
  assert.equal(reason([0x00, 0x00, 0x00, 0x01], [0x10, 0x00]), "bad-extension", "two-byte: an id without its length byte");
  assert.equal(reason([0xff, 0xff, 0xff, 0xff], [0x12, 0x34]), "ok", "another profile: the block is opaque");
});

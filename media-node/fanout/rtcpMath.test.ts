import { test } from "node:test";
import assert from "node:assert/strict";
import { absSendTime24, compactNtp, ntpFromMs, rtpTimestampAt, rttFromReport } from "./rtcpMath.js";

test("ntpFromMs -> seconds since 1900 in the high word, fraction in the low word", () => {
  const ntp = ntpFromMs(1500);
  assert.equal(Number(ntp >> 32n), 2_208_988_801);
  assert.equal(Number(ntp & 0xffffffffn), 2 ** 31);
});

test("compactNtp takes the middle 32 bits", () => {
  assert.equal(compactNtp(0x1234_5678_9abc_def0n), 0x5678_9abc);
});

test("rttFromReport subtracts the receiver's hold time (DLSR, 1/65536 s)", () => {
  assert.equal(rttFromReport(10_250, 10_000, 65536 * 0.2), 50);
  assert.equal(rttFromReport(10_000, 10_000, 65536), undefined, "negative RTT is rejected");
});

test("rtpTimestampAt advances by clock rate and wraps", () => {
  assert.equal(rtpTimestampAt(1100, 1000, 0, 90000), 9000);
  assert.equal(rtpTimestampAt(1100, 1000, 0xffffffff, 90000), 8999);
  assert.equal(rtpTimestampAt(900, 1000, 5, 90000), 5);
});

test("absSendTime24 is 6.18 fixed point modulo 64 s", () => {
  assert.equal(absSendTime24(1000), 1 << 18);
  assert.equal(absSendTime24(64_000), 0);
});

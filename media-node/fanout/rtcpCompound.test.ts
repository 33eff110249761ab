/**
 * Bounded compound RTCP parsing without touching werift: werift's own parser still misreads a
 * NACK followed by another packet (the bug this works around), parseRtcpCompound reads it
 * right, and each caller counts its own truncations (nothing is shared across the process).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GenericNack, RtcpPacketConverter, RtcpRrPacket, RtcpTransportLayerFeedback } from "werift";
import { parseRtcpCompound, splitCompound } from "./rtcpCompound.js";

function compoundNackThenRr(): Buffer {
  const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [100] }) }).serialize();
  const rr = new RtcpRrPacket({ ssrc: 0x11223344, reports: [] }).serialize();
  return Buffer.concat([nack, rr, rr]);
}

function lostOf(packets: unknown[]): number[] {
  const nack = packets.find((p) => p instanceof RtcpTransportLayerFeedback) as RtcpTransportLayerFeedback;
  return (nack.feedback as GenericNack).lost;
}

const weriftParser = RtcpPacketConverter.deSerialize;

test("werift's own parser reads a NACK past its end when another packet follows (the bug this module works around)", () => {
  // If this starts failing, werift fixed compound parsing and rtcpCompound.ts can go.
  assert.ok(lostOf(RtcpPacketConverter.deSerialize(compoundNackThenRr())).length > 1);
});

test("parseRtcpCompound on a compound NACK + RR -> exactly the NACKed sequence number and the RRs; werift's parser is left as it was", () => {
  let truncated = 0;
  const packets = parseRtcpCompound(compoundNackThenRr(), () => truncated++);
  assert.deepEqual(lostOf(packets), [100]);
  assert.equal(packets.filter((p) => p instanceof RtcpRrPacket).length, 2);
  assert.equal(truncated, 0);
  assert.equal(RtcpPacketConverter.deSerialize, weriftParser, "no patch: every other werift user in the process keeps werift's parser");
});

test("two nodes' links in one process -> each counts its own truncated datagrams", () => {
  const data = compoundNackThenRr();
  const counts = { a: 0, b: 0 };
  parseRtcpCompound(data.subarray(0, data.length - 2), () => counts.a++);
  parseRtcpCompound(data, () => counts.b++);
  parseRtcpCompound(data.subarray(0, 6), () => counts.b++);
  parseRtcpCompound(data.subarray(0, data.length - 2), () => counts.a++);
  assert.deepEqual(counts, { a: 2, b: 1 });
});

test("splitCompound drops a packet whose length runs past the datagram and counts it", () => {
  const data = compoundNackThenRr();
  let truncated = 0;
  const parts = splitCompound(data.subarray(0, data.length - 2), () => truncated++);
  assert.equal(parts.length, 2);
  assert.equal(truncated, 1);
  assert.equal(splitCompound(Buffer.alloc(2), () => truncated++).length, 0);
  assert.equal(truncated, 2);
});

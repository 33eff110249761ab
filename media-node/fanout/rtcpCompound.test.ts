import { test } from "node:test";
import assert from "node:assert/strict";
import { GenericNack, RtcpPacketConverter, RtcpRrPacket, RtcpTransportLayerFeedback } from "werift";
import { installRtcpCompoundBounds, splitCompound } from "./rtcpCompound.js";

function compoundNackThenRr(): Buffer {
  const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [100] }) }).serialize();
  const rr = new RtcpRrPacket({ ssrc: 0x11223344, reports: [] }).serialize();
  return Buffer.concat([nack, rr, rr]);
}

function lostOf(packets: unknown[]): number[] {
  const nack = packets.find((p) => p instanceof RtcpTransportLayerFeedback) as RtcpTransportLayerFeedback;
  return (nack.feedback as GenericNack).lost;
}

// werift's own parser, taken before any test here installs the bounds (installing is once per process)
const converter = RtcpPacketConverter as unknown as { deSerialize(d: Buffer): unknown[] } & Record<symbol, unknown>;
const boundsInstalledAtLoad = converter[Symbol.for("mediafleet.rtcpCompoundBounds")] === true;
const weriftDeSerialize = converter.deSerialize;

test("werift's own parser reads a NACK past its end when another packet follows (the bug this module fixes)", () => {
  assert.equal(boundsInstalledAtLoad, false, "the bounds were installed before this file loaded: werift's own parser cannot be tested here");
  // If this starts failing, werift fixed compound parsing and rtcpCompound.ts can go.
  assert.ok(lostOf(weriftDeSerialize.call(RtcpPacketConverter, compoundNackThenRr())).length > 1);
});

test("with the bounds installed, a compound NACK + RR yields exactly the NACKed sequence number and the RRs", () => {
  let truncated = 0;
  installRtcpCompoundBounds(() => truncated++);
  const packets = RtcpPacketConverter.deSerialize(compoundNackThenRr());
  assert.deepEqual(lostOf(packets), [100]);
  assert.equal(packets.filter((p) => p instanceof RtcpRrPacket).length, 2);
  assert.equal(truncated, 0);
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

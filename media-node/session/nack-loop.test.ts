/**
 * The receive-side NACK loop of werift 0.25.2 (nack-loop.ts): a gap that a retransmission
 * fills leaves a 5 ms interval running forever; with the wrap it stops. Counted with
 * process.getActiveResourcesInfo(), no sockets (the receiver's transport is a stub).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTCRtpReceiver, RtpHeader, RtpPacket } from "werift";
import { boundNackLoop, nackLoopSeamProblems } from "./nack-loop.js";

const SSRC = 0x1234_5678;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const packet = (sequenceNumber: number) => new RtpPacket(new RtpHeader({ sequenceNumber, ssrc: SSRC, payloadType: 96 }), Buffer.alloc(10));

function receiverWithStubTransport(): { receiver: RTCRtpReceiver; nacksSent: () => number } {
  const receiver = new RTCRtpReceiver({} as never, "video", 1);
  let sent = 0;
  receiver.setDtlsTransport({ sendRtcp: async () => void (sent += 1) } as never);
  return { receiver, nacksSent: () => sent };
}

/** 100, 101, (102 lost), 103, then 102 arrives as a retransmission 12 ms later. */
async function gapFilledByRetransmission(receiver: RTCRtpReceiver): Promise<void> {
  const nack = (receiver as unknown as { nack: { addPacket(p: RtpPacket): void } }).nack;
  for (const seq of [100, 101, 103]) nack.addPacket(packet(seq));
  await sleep(12);
  nack.addPacket(packet(102));
  await sleep(60);
}

test("werift 0.25.2 keeps the receiver's 5 ms NACK interval after a retransmission fills the gap (the pitfall nack-loop.ts fixes)", async (t) => {
  const { receiver, nacksSent } = receiverWithStubTransport();
  t.after(() => receiver.stop());
  const before = timers();
  await gapFilledByRetransmission(receiver);
  assert.ok(nacksSent() >= 1, "the gap was NACKed");
  // If this fails werift fixed its loop: nack-loop.ts (and its call in publisher.ts) can go.
  assert.equal(timers() - before, 1, "the 5 ms interval is still active with nothing lost");
});

test("boundNackLoop -> the interval stops once the lost list drains; a later gap is still NACKed", async (t) => {
  const { receiver, nacksSent } = receiverWithStubTransport();
  t.after(() => receiver.stop());
  assert.deepEqual(nackLoopSeamProblems(receiver), [], "werift's NackHandler fields are where nack-loop.ts expects them");
  assert.equal(boundNackLoop(receiver), true);
  assert.equal(boundNackLoop(receiver), true, "idempotent");
  const before = timers();
  await gapFilledByRetransmission(receiver);
  assert.ok(nacksSent() >= 1, "the gap was NACKed");
  assert.equal(timers() - before, 0, "no interval left once nothing is lost");

  const sentBefore = nacksSent();
  const nack = (receiver as unknown as { nack: { addPacket(p: RtpPacket): void } }).nack;
  nack.addPacket(packet(105)); // 104 lost
  await sleep(100); // werift gives up after 10 tries (~50 ms)
  assert.ok(nacksSent() > sentBefore, "a new gap starts the loop again");
  assert.equal(timers() - before, 0, "and it stops after werift's retries");
});

test("nackLoopSeamProblems names what is missing", () => {
  assert.deepEqual(nackLoopSeamProblems({} as RTCRtpReceiver), ["RTCRtpReceiver.nack"]);
  assert.equal(boundNackLoop({} as RTCRtpReceiver), false);
});

/**
 * The receive-side NACK loop of werift 0.25.2 (nackLoop.ts): a gap that a retransmission
 * fills leaves a 5 ms interval running forever; with the wrap it stops. Counted with
 * process.getActiveResourcesInfo(), no sockets (the receiver's transport is a stub).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as werift from "werift";
import { RTCRtpReceiver, RtpHeader, RtpPacket } from "werift";
import { WeriftSeamError } from "./errors.js";
import { boundNackLoop, nackHandlerProblems, nackLoopProblems } from "./nackLoop.js";
import { poll } from "../../test/support/poll.js";

const SSRC = 0x1234_5678;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const packet = (sequenceNumber: number) => new RtpPacket(new RtpHeader({ sequenceNumber, ssrc: SSRC, payloadType: 96 }), Buffer.alloc(10));
/** werift's loop ticks every 5 ms: look often. */
const FAST = { intervalMs: 2 };

interface NackInternals {
  addPacket(p: RtpPacket): void;
  _lost: Record<number, number>;
  sendNack: () => Promise<unknown>;
}

/**
 * A receiver whose transport is a stub that counts the NACKs sent and calls `afterNack` once
 * each has gone out (as a retransmission would arrive after the NACK that asked for it).
 */
function receiverWithStubTransport(): { receiver: RTCRtpReceiver; nack: NackInternals; nacksSent: () => number; afterNack: (fn: () => void) => void } {
  const receiver = new RTCRtpReceiver({} as never, "video", 1);
  let sent = 0;
  let afterNack = () => {};
  receiver.setDtlsTransport({ sendRtcp: async () => void ((sent += 1), setImmediate(afterNack)) } as never);
  const nack = (receiver as unknown as { nack: NackInternals }).nack;
  return { receiver, nack, nacksSent: () => sent, afterNack: (fn) => (afterNack = fn) };
}

/**
 * 100, 101, (102 lost), 103; 102 arrives as a retransmission right after the first NACK went
 * out, once werift's loop has seen that NACK through with 102 still lost (the loop's next tick
 * then finds nothing to send).
 */
async function gapFilledByRetransmission(stub: ReturnType<typeof receiverWithStubTransport>): Promise<void> {
  let filled = false;
  stub.afterNack(() => {
    if (filled) return;
    filled = true;
    stub.nack.addPacket(packet(102));
  });
  for (const seq of [100, 101, 103]) stub.nack.addPacket(packet(seq));
  await poll(() => filled, Boolean, 5000, "the first NACK and the retransmission after it", FAST);
  assert.deepEqual(Object.keys(stub.nack._lost), [], "the retransmission filled the gap");
}

test("werift 0.25.2 keeps the receiver's 5 ms NACK interval after a retransmission fills the gap (the pitfall nackLoop.ts fixes)", async (t) => {
  const stub = receiverWithStubTransport();
  t.after(() => stub.receiver.stop());
  // count the loop's ticks; werift's own sendNack still does the work
  let ticks = 0;
  const weriftSendNack = stub.nack.sendNack;
  stub.nack.sendNack = () => (ticks++, weriftSendNack());
  const before = timers();
  await gapFilledByRetransmission(stub);
  assert.ok(stub.nacksSent() >= 1, "the gap was NACKed");
  const ticksWhenFilled = ticks;
  await poll(() => ticks - ticksWhenFilled, (n) => n >= 5, 5000, "5 ticks of the loop with nothing lost", FAST);
  // If this fails werift fixed its loop: nackLoop.ts (and its call in publisher.ts) can go.
  assert.equal(timers() - before, 1, "the 5 ms interval is still active with nothing lost");
});

test("boundNackLoop -> the interval stops once the lost list drains; a later gap is still NACKed", async (t) => {
  const stub = receiverWithStubTransport();
  const { receiver, nacksSent } = stub;
  t.after(() => receiver.stop());
  assert.deepEqual(nackHandlerProblems(receiver), [], "werift's NackHandler fields are where nackLoop.ts expects them");
  boundNackLoop(receiver);
  boundNackLoop(receiver); // idempotent
  const before = timers();
  await gapFilledByRetransmission(stub);
  assert.ok(nacksSent() >= 1, "the gap was NACKed");
  await poll(() => timers() - before, (n) => n === 0, 5000, "no interval left once nothing is lost", FAST);

  const sentBefore = nacksSent();
  stub.nack.addPacket(packet(105)); // 104 lost, never retransmitted: werift gives up after 10 tries (~50 ms)
  assert.equal(timers() - before, 1, "a new gap starts the loop again");
  await poll(() => ({ nacks: nacksSent() - sentBefore, lost: Object.keys(stub.nack._lost).length, intervals: timers() - before }), (s) => s.lost === 0 && s.intervals === 0, 5000, "werift to give up on 104 and the loop to stop", FAST);
  assert.ok(nacksSent() > sentBefore, "the new gap was NACKed");
});

test("installed werift -> the nack-loop check passes; a receiver whose NackHandler changed -> named, and boundNackLoop refuses it", () => {
  assert.deepEqual(nackLoopProblems(werift), []);
  class MovedLoop extends werift.RTCRtpReceiver {
    constructor(...args: ConstructorParameters<typeof werift.RTCRtpReceiver>) {
      super(...args);
      const nack = (this as unknown as { nack: Record<string, unknown> }).nack;
      delete nack.nackLoop; // e.g. werift renamed its interval handle
      delete nack.sendNack; // and made sendNack a prototype method
    }
  }
  assert.deepEqual(nackLoopProblems({ RTCRtpReceiver: MovedLoop }), ["NackHandler.sendNack (own field)", "NackHandler.nackLoop"]);
  assert.deepEqual(nackHandlerProblems({}), ["RTCRtpReceiver.nack"]);
  assert.throws(() => boundNackLoop({} as RTCRtpReceiver), (err: Error) => err instanceof WeriftSeamError && /seam "nack-loop": RTCRtpReceiver\.nack/.test(err.message));
});

/**
 * werift 0.25.2 pitfall on the receive side (a WHIP publisher's RTCRtpReceiver): its
 * NackHandler starts a 5 ms `setInterval` when it sees a gap and clears it only after
 * `await this.sendNack()` resolves with the lost list empty. But `sendNack` returns a
 * promise that never settles when there is nothing to send, so once a retransmission fills
 * the last gap (the common case) the interval runs at 200 Hz for the life of the receiver
 * and leaves one pending promise per tick.
 *
 * The wrap replaces that one receiver's `nack.sendNack` (an instance field in werift, so no
 * other receiver in the process is touched): with nothing to send it stops the loop itself
 * and resolves; otherwise it calls werift's own. werift's interval callback reads
 * `this.sendNack` on every tick, so the replacement takes effect at once.
 * `nackLoopProblems` (the registry's "nack-loop" check) reads the shape on a new receiver;
 * nack-loop.test.ts also fails when werift fixes the bug (the wrap can then go).
 */
import type { RTCRtpReceiver } from "werift";
import type { Werift } from "./context.js";
import { refuseIfProblems } from "./errors.js";

export const NACK_LOOP_SEAM = "nack-loop";

interface NackHandlerInternals {
  _lost?: Record<number, number>;
  nackLoop?: ReturnType<typeof setInterval>;
  mediaSourceSsrc?: number;
  sendNack?: () => Promise<unknown>;
  close?: () => void;
}

const WRAPPED = Symbol.for("mediafleet.werift.nackLoopBounded");

function handlerOf(receiver: unknown): NackHandlerInternals | undefined {
  return (receiver as { nack?: NackHandlerInternals }).nack;
}

/** What a receiver lacks of the NackHandler internals the wrap relies on; empty = all there. */
export function nackHandlerProblems(receiver: unknown): string[] {
  const nack = handlerOf(receiver);
  if (!nack) return ["RTCRtpReceiver.nack"];
  const problems: string[] = [];
  if (typeof nack._lost !== "object" || nack._lost === null) problems.push("NackHandler._lost");
  if (!Object.prototype.hasOwnProperty.call(nack, "sendNack") || typeof nack.sendNack !== "function") problems.push("NackHandler.sendNack (own field)");
  if (!("nackLoop" in nack)) problems.push("NackHandler.nackLoop");
  if (!("mediaSourceSsrc" in nack)) problems.push("NackHandler.mediaSourceSsrc");
  if (typeof nack.close !== "function") problems.push("NackHandler.close");
  return problems;
}

/** The "nack-loop" check: a receiver werift makes has the NackHandler the wrap expects. */
export function nackLoopProblems(werift: Pick<Werift, "RTCRtpReceiver">): string[] {
  const receiver = new werift.RTCRtpReceiver({} as never, "video", 1);
  try {
    return nackHandlerProblems(receiver);
  } finally {
    receiver.stop();
  }
}

/**
 * Makes `receiver`'s NACK loop stop once nothing is lost. Idempotent. A receiver that does not
 * have the shape checked at boot is refused (WeriftSeamError), never left to tick unbounded.
 */
export function boundNackLoop(receiver: RTCRtpReceiver): void {
  refuseIfProblems(NACK_LOOP_SEAM, nackHandlerProblems(receiver), "the publisher's receiver is refused");
  const nack = handlerOf(receiver) as NackHandlerInternals & { [WRAPPED]?: true };
  if (nack[WRAPPED]) return;
  const original = nack.sendNack!;
  nack.sendNack = () => {
    const lost = nack._lost;
    if (!lost || Object.keys(lost).length === 0 || !nack.mediaSourceSsrc) {
      if (nack.nackLoop !== undefined) clearInterval(nack.nackLoop);
      nack.nackLoop = undefined;
      return Promise.resolve();
    }
    return original();
  };
  nack[WRAPPED] = true;
}

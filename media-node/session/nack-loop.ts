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
 * `nackLoopSeamProblems` names the werift fields this relies on; nack-loop.test.ts fails
 * when they move or when werift fixes the bug (the wrap can then go).
 */
import type { RTCRtpReceiver } from "werift";

interface NackHandlerInternals {
  _lost?: Record<number, number>;
  nackLoop?: ReturnType<typeof setInterval>;
  mediaSourceSsrc?: number;
  sendNack?: () => Promise<unknown>;
  close?: () => void;
}

const WRAPPED = Symbol.for("mediafleet.session.nackLoopBounded");

function handlerOf(receiver: RTCRtpReceiver): NackHandlerInternals | undefined {
  return (receiver as unknown as { nack?: NackHandlerInternals }).nack;
}

/** Names of the werift NackHandler internals the wrap relies on that `receiver` lacks; empty = all there. */
export function nackLoopSeamProblems(receiver: RTCRtpReceiver): string[] {
  const nack = handlerOf(receiver);
  if (!nack) return ["RTCRtpReceiver.nack"];
  const problems: string[] = [];
  if (typeof nack._lost !== "object" || nack._lost === null) problems.push("NackHandler._lost");
  if (!Object.prototype.hasOwnProperty.call(nack, "sendNack") || typeof nack.sendNack !== "function") problems.push("NackHandler.sendNack (own field)");
  if (!("nackLoop" in nack)) problems.push("NackHandler.nackLoop");
  if (typeof nack.close !== "function") problems.push("NackHandler.close");
  return problems;
}

/**
 * Makes `receiver`'s NACK loop stop once nothing is lost. Idempotent; returns false (and
 * leaves werift alone) when the installed werift no longer has the expected shape.
 */
export function boundNackLoop(receiver: RTCRtpReceiver): boolean {
  const nack = handlerOf(receiver) as (NackHandlerInternals & { [WRAPPED]?: true }) | undefined;
  if (!nack || nackLoopSeamProblems(receiver).length > 0) return false;
  if (nack[WRAPPED]) return true;
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
  return true;
}

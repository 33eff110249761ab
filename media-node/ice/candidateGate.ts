/**
 * Per-agent bookkeeping of remote candidates between the signalling and werift: what to do
 * with a candidate under the mDNS mode, and when end-of-candidates may be passed on. Pure.
 *
 * end-of-candidates is held back while `.local` lookups are still running (werift would
 * otherwise start failing the checklist before they finish) and withheld for good when no
 * usable candidate arrived: then the peer's own checks produce peer-reflexive pairs.
 */
import { isMdnsHostname } from "./sdpCandidates.js";
import type { MdnsMode } from "./types.js";

export type CandidateAction = "pass" | "ignore" | "resolveShared" | "resolveWerift";

export function actionFor(host: string, mode: MdnsMode): CandidateAction {
  if (!isMdnsHostname(host)) return "pass";
  switch (mode) {
    case "off":
      return "ignore";
    case "shared":
      return "resolveShared";
    case "perConnection":
      return "resolveWerift";
  }
}

export type EndDecision = "pass" | "defer" | "withhold";

export class CandidateGate {
  private usable = 0;
  private pending = 0;
  private deferredEnd = false;

  lookupStarted(): void {
    this.pending++;
  }

  /** A lookup finished; returns the fate of an end-of-candidates deferred meanwhile, once the last lookup is done. */
  lookupFinished(resolved: boolean): EndDecision | undefined {
    this.pending = Math.max(0, this.pending - 1);
    if (resolved) this.usable++;
    if (!this.deferredEnd || this.pending > 0) return undefined;
    this.deferredEnd = false;
    return this.decide();
  }

  candidateUsable(): void {
    this.usable++;
  }

  /** The signalling ended the candidates (passing it twice to werift is harmless). */
  endOfCandidates(): EndDecision {
    if (this.pending > 0) {
      this.deferredEnd = true;
      return "defer";
    }
    return this.decide();
  }

  private decide(): EndDecision {
    return this.usable > 0 ? "pass" : "withhold";
  }
}

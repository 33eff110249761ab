/**
 * The contract of an SRTP protector for ONE direction of one DTLS-SRTP association: session
 * keys derived once, per-SSRC packet index state, `protect` building the whole protected packet
 * in one buffer. `unprotect` (the peer's view with the same keys) exists for the tests and any
 * receive path; the lean fan-out only protects.
 */
import type { SrtpProfileId } from "./profiles.js";
import { ReceiverRolloverCounter, SenderRolloverCounter } from "./rolloverCounter.js";
import type { RtpHeaderFields } from "./rtpHeaderWriter.js";

export class SrtpAuthenticationFailed extends Error {
  readonly code = "SRTP_AUTH_FAILED";
  constructor(what: string) {
    super(`SRTP packet failed authentication (${what})`);
    this.name = "SrtpAuthenticationFailed";
  }
}

export interface SrtpProtector {
  readonly profile: SrtpProfileId;
  /**
   * header + encrypted payload + tag in ONE new Buffer (the payload is read, never kept or
   * mutated). Undefined only when the sequence number cannot have an index (never sent: it
   * would need a ROC below 0).
   */
  protect(header: RtpHeaderFields, payload: Uint8Array): Buffer | undefined;
  /** Authenticate and decrypt a packet protected with these keys; throws SrtpAuthenticationFailed. */
  unprotect(packet: Uint8Array): Buffer;
  /** The sender-side ROC of an SSRC this protector has sent on (undefined: never sent). */
  rolloverCounter(ssrc: number): number | undefined;
}

export interface MasterKeys {
  profile: number;
  masterKey: Uint8Array;
  masterSalt: Uint8Array;
}

/** Per-SSRC index state shared by both ciphers; one-entry cache because a sender mostly repeats its SSRC. */
export class StreamStates {
  private readonly senders = new Map<number, SenderRolloverCounter>();
  private readonly receivers = new Map<number, ReceiverRolloverCounter>();
  private lastSsrc = -1;
  private last: SenderRolloverCounter | undefined;

  sender(ssrc: number): SenderRolloverCounter {
    if (ssrc === this.lastSsrc) return this.last!;
    let state = this.senders.get(ssrc);
    if (!state) this.senders.set(ssrc, (state = new SenderRolloverCounter()));
    this.lastSsrc = ssrc;
    this.last = state;
    return state;
  }

  peekSender(ssrc: number): SenderRolloverCounter | undefined {
    return this.senders.get(ssrc);
  }

  receiver(ssrc: number): ReceiverRolloverCounter {
    let state = this.receivers.get(ssrc);
    if (!state) this.receivers.set(ssrc, (state = new ReceiverRolloverCounter()));
    return state;
  }
}

/**
 * Decides what to retransmit for one viewer's Generic NACK: bounded (a NACK that expands to
 * thousands of sequence numbers is capped, the excess counted as ignored), mapped back to the
 * history's numbering, and de-duplicated: a sequence number is resent to a viewer at most
 * once per round-trip time. werift receivers repeat a NACK every 5 ms up to 10 times; without
 * this guard every repeat is a retransmission (the amplification the field report saw).
 * Pure: no werift, no timers; the caller passes "now".
 */
import type { HistoryEntry } from "./history.js";

/** Most sequence numbers honoured from one NACK packet; the rest are counted and ignored. */
export const MAX_NACK_SEQS_PER_PACKET = 256;
/** RTT assumed until a receiver report with LSR/DLSR gives a measurement. */
export const DEFAULT_RTT_MS = 100;
/** A resend window shorter than this would let werift's 5 ms NACK repeats through on a LAN. */
export const MIN_RESEND_INTERVAL_MS = 20;
export const MAX_RESEND_INTERVAL_MS = 1000;
/** Slots in the per-viewer de-duplication table (a collision only costs one extra resend). */
export const GUARD_SLOTS = 64;

/**
 * Remembers when each recently resent viewer sequence number went out. Fixed size: two
 * 32-bit words per slot (seq + 1, send time in ms mod 2^32), allocated on the first NACK.
 */
export class ResendGuard {
  private table: Uint32Array | undefined;

  /** True (and recorded) when seq may be resent now; false when it went out within windowMs. */
  admit(seq: number, nowMs: number, windowMs: number): boolean {
    const table = (this.table ??= new Uint32Array(GUARD_SLOTS * 2));
    const i = (seq & (GUARD_SLOTS - 1)) * 2;
    const now = Math.floor(nowMs) >>> 0;
    if (table[i] === seq + 1 && ((now - table[i + 1]!) >>> 0) < windowMs) return false;
    table[i] = seq + 1;
    table[i + 1] = now;
    return true;
  }

  bytes(): number {
    return this.table ? this.table.byteLength : 0;
  }
}

export interface NackOutcome {
  requested: number;
  resent: number;
  suppressed: number;
  misses: number;
  /** Sequence numbers beyond MAX_NACK_SEQS_PER_PACKET, not looked at. */
  ignored: number;
}

export interface NackContext {
  /** History numbering for a viewer sequence number (identity when the history is per viewer). */
  toHistorySeq(viewerSeq: number): number | undefined;
  lookup(historySeq: number): HistoryEntry | undefined;
  resend(viewerSeq: number, entry: HistoryEntry): void;
  guard: ResendGuard;
  nowMs: number;
  rttMs: number | undefined;
}

export function resendWindowMs(rttMs: number | undefined): number {
  const rtt = rttMs ?? DEFAULT_RTT_MS;
  return Math.min(MAX_RESEND_INTERVAL_MS, Math.max(MIN_RESEND_INTERVAL_MS, rtt));
}

export function answerNack(lost: readonly number[], ctx: NackContext): NackOutcome {
  const honoured = Math.min(lost.length, MAX_NACK_SEQS_PER_PACKET);
  const outcome: NackOutcome = { requested: honoured, resent: 0, suppressed: 0, misses: 0, ignored: lost.length - honoured };
  const windowMs = resendWindowMs(ctx.rttMs);
  for (let i = 0; i < honoured; i++) {
    const viewerSeq = lost[i]! & 0xffff;
    const historySeq = ctx.toHistorySeq(viewerSeq);
    const entry = historySeq === undefined ? undefined : ctx.lookup(historySeq);
    if (!entry) {
      outcome.misses++;
      continue;
    }
    if (!ctx.guard.admit(viewerSeq, ctx.nowMs, windowMs)) {
      outcome.suppressed++;
      continue;
    }
    ctx.resend(viewerSeq, entry);
    outcome.resent++;
  }
  return outcome;
}

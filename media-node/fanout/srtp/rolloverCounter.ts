/**
 * Packet index bookkeeping (RFC 3711 §3.3.1) for the SENDING side of one SSRC. The sender
 * knows its own ROC exactly: it advances when a new highest sequence number wraps past 65535.
 * A packet sent again later (NACK answer on the original SSRC) keeps the index it had the
 * first time: a sequence number "behind" the highest one (within half the 16-bit space) that is
 * numerically larger than it was sent before the wrap, with ROC - 1.
 *
 * Pure and allocation-free; state is three numbers.
 */
export class SenderRolloverCounter {
  private started = false;
  /** s_l: the highest sequence number sent so far. */
  private highest = 0;
  /** ROC that goes with `highest`. */
  private roc = 0;

  /**
   * The ROC to protect a packet with sequence number `seq`, advancing the state for a new
   * packet. Returns -1 for a sequence number that would need a ROC below 0 (it was never sent
   * in this session: "before" the first packet across a wrap).
   */
  rocFor(seq: number): number {
    if (!this.started) {
      this.started = true;
      this.highest = seq;
      return this.roc;
    }
    const ahead = (seq - this.highest) & 0xffff;
    if (ahead !== 0 && ahead < 0x8000) {
      // a newer packet; it wrapped when it is numerically smaller than the highest
      if (seq < this.highest) this.roc = (this.roc + 1) >>> 0;
      this.highest = seq;
      return this.roc;
    }
    // the same or an older packet: same ROC, or the previous one when sent before the wrap
    if (seq <= this.highest) return this.roc;
    return this.roc === 0 ? -1 : this.roc - 1;
  }

  /** ROC of the highest packet sent (for tests, logs, and handing state over). */
  get rolloverCounter(): number {
    return this.roc;
  }

  get highestSequence(): number | undefined {
    return this.started ? this.highest : undefined;
  }
}

/**
 * RFC 3711 §3.3.1 index estimate for the RECEIVING side (used by `unprotect`, which the tests
 * use to read werift's packets): v is ROC-1, ROC or ROC+1, whichever puts the index closest
 * to s_l * 2^16-wise. `commit` advances s_l/ROC only after the packet authenticated.
 */
export class ReceiverRolloverCounter {
  private started = false;
  private highest = 0;
  private roc = 0;

  estimate(seq: number): number {
    if (!this.started) return 0;
    if (this.highest < 0x8000) {
      return seq - this.highest > 0x8000 ? (this.roc === 0 ? 0 : this.roc - 1) : this.roc;
    }
    return this.highest - 0x8000 > seq ? (this.roc + 1) >>> 0 : this.roc;
  }

  commit(seq: number, roc: number): void {
    if (!this.started || roc > this.roc || (roc === this.roc && seq > this.highest)) {
      this.started = true;
      this.highest = seq;
      this.roc = roc;
    }
  }
}

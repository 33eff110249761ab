/**
 * Per-viewer receive accounting for the benchmark crowd: unique packets received and the
 * packets expected from the extended (wrap-aware) sequence range seen in the current
 * window. Pure; one instance per viewer, `reset()` opens a new measurement window.
 */
export interface WindowCounts {
  received: number;
  expected: number;
  duplicates: number;
}

export class SeqCounter {
  /** Window stamp per 16-bit sequence number, to count each packet once per window. */
  private readonly seen = new Uint16Array(65536);
  private window = 1;
  private firstExt: number | undefined;
  private highestExt = 0;
  private received = 0;
  private duplicates = 0;
  /** Packets ever received (all windows). */
  total = 0;

  reset(): void {
    this.window = this.window === 0xffff ? 1 : this.window + 1;
    if (this.window === 1) this.seen.fill(0);
    this.firstExt = undefined;
    this.received = 0;
    this.duplicates = 0;
  }

  push(seq: number): void {
    this.total += 1;
    if (this.seen[seq] === this.window) {
      this.duplicates += 1;
      return;
    }
    this.seen[seq] = this.window;
    this.received += 1;
    if (this.firstExt === undefined) {
      this.firstExt = seq;
      this.highestExt = seq;
      return;
    }
    // Extend the 16-bit number to the value closest to the highest seen (handles wrap).
    const base = this.highestExt - (this.highestExt & 0xffff);
    let ext = base + seq;
    if (ext - this.highestExt > 0x8000) ext -= 0x10000;
    else if (this.highestExt - ext > 0x8000) ext += 0x10000;
    if (ext > this.highestExt) this.highestExt = ext;
    if (ext < this.firstExt) this.firstExt = ext;
  }

  counts(): WindowCounts {
    const expected = this.firstExt === undefined ? 0 : this.highestExt - this.firstExt + 1;
    return { received: this.received, expected, duplicates: this.duplicates };
  }
}

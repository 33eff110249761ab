/**
 * Per-viewer sequence/timestamp rewrite. A viewer joining mid-stream (or after a source
 * switch) sees contiguous sequence numbers starting wherever this viewer's numbering began,
 * and a NACK for a viewer sequence number maps back to the exact source sequence number,
 * across the 16-bit wrap and across one rebase (packets sent just before a source switch can
 * still be NACKed).
 */
import { seqAdd, seqDiff, tsAdd } from "./seq.js";

export class SeqRewriter {
  private started = false;
  private rebasePending = false;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq = 0;
  private lastTs = 0;
  /** The mapping in force before the last rebase, for NACKs of packets sent before it. */
  private prevSeqOffset = 0;
  private boundarySeq = -1;
  private pendingTsStep = 1;
  private lastSet = false;

  /** @param firstSeq the viewer's first sequence number (random in production, fixed in tests). */
  constructor(private readonly firstSeq: number, private readonly firstTs: number) {}

  /**
   * The next packet starts a new numbering of the source (new publisher, stream restart):
   * the viewer continues at lastSeq + 1 and lastTs + timestampStep.
   */
  rebase(timestampStep = 1): void {
    if (this.started) {
      this.rebasePending = true;
      this.pendingTsStep = timestampStep;
    }
  }
  /** Viewer sequence number for a source packet. Call outSeq() then outTs() with the same packet. */
  outSeq(srcSeq: number, srcTs: number): number {
    if (!this.started) {
      this.started = true;
      this.seqOffset = seqDiff(this.firstSeq, srcSeq) & 0xffff;
      this.tsOffset = (this.firstTs - srcTs) >>> 0;
    } else if (this.rebasePending) {
      this.rebasePending = false;
      this.prevSeqOffset = this.seqOffset;
      this.boundarySeq = seqAdd(this.lastSeq, 1);
      this.seqOffset = (seqAdd(this.lastSeq, 1) - srcSeq) & 0xffff;
      this.tsOffset = (tsAdd(this.lastTs, this.pendingTsStep) - srcTs) >>> 0;
    }
    const out = seqAdd(srcSeq, this.seqOffset);
    const ts = tsAdd(srcTs, this.tsOffset);
    if (!this.lastSet || seqDiff(out, this.lastSeq) > 0) {
      this.lastSeq = out;
      this.lastTs = ts;
      this.lastSet = true;
    }
    return out;
  }
  outTs(srcTs: number): number {
    return tsAdd(srcTs, this.tsOffset);
  }

  /** Source sequence number for a viewer's NACKed sequence number, or undefined before the first packet. */
  sourceSeq(viewerSeq: number): number | undefined {
    if (!this.started) return undefined;
    if (this.boundarySeq >= 0 && seqDiff(viewerSeq, this.boundarySeq) < 0) {
      return seqAdd(viewerSeq, -this.prevSeqOffset);
    }
    return seqAdd(viewerSeq, -this.seqOffset);
  }

  /** Highest viewer sequence number sent so far, and its timestamp (for sender reports). */
  get highestSeq(): number {
    return this.lastSeq;
  }
  get highestTs(): number {
    return this.lastTs;
  }
  get hasStarted(): boolean {
    return this.started;
  }
}

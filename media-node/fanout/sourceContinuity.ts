/**
 * Notices when a source starts numbering its packets afresh: a new SSRC, or a sequence
 * number far from the last one (an RTP sender that restarted — ffmpeg run again against the
 * same ingest port — picks a new random sequence number and timestamp).
 *
 * Why it matters: every viewer keeps its own contiguous numbering (SeqRewriter). Without a
 * rebase, a restart jumps each viewer's sequence number by the same random amount. Jumping
 * backwards, the packets would go out under SRTP packet indexes already used — keystream (for
 * AES-GCM: nonce) reuse, which the protector refuses (those viewers then get nothing) or which
 * a browser's replay window drops — until the new numbering passes the old highest one, up to
 * ~32 000 packets later (two minutes of video at 250 packets/s).
 *
 * Pure: feed it each packet's SSRC, sequence number and arrival time.
 */
import { seqDiff } from "./seq.js";

/** Packets this far behind the last one are late or reordered, not a restart. */
export const MAX_REORDER = 500;
/** A forward gap this large is not loss a viewer could recover from: treat it as a restart. */
export const MAX_FORWARD_GAP = 3000;

export class SourceContinuity {
  private started = false;
  private ssrc = 0;
  private lastSeq = 0;
  private lastArrivalMs = 0;

  constructor(private readonly clockRate: number) {}

  /**
   * Returns undefined for a packet that continues the stream, or, for one that starts a new
   * numbering, the timestamp step viewers should continue with: the time since the previous
   * packet in the source's clock (at least 1).
   */
  observe(ssrc: number, seq: number, arrivalMs: number): number | undefined {
    if (!this.started) {
      this.started = true;
      this.remember(ssrc, seq, arrivalMs);
      return undefined;
    }
    const jump = seqDiff(seq, this.lastSeq);
    const restarted = ssrc !== this.ssrc || jump > MAX_FORWARD_GAP || jump < -MAX_REORDER;
    if (restarted) {
      const sinceLastMs = arrivalMs - this.lastArrivalMs;
      this.remember(ssrc, seq, arrivalMs);
      return Math.max(1, Math.round((sinceLastMs * this.clockRate) / 1000));
    }
    if (jump > 0) this.remember(ssrc, seq, arrivalMs);
    return undefined;
  }

  private remember(ssrc: number, seq: number, arrivalMs: number): void {
    this.ssrc = ssrc;
    this.lastSeq = seq;
    this.lastArrivalMs = arrivalMs;
  }
}

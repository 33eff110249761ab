/**
 * 16-bit RTP sequence and 32-bit timestamp arithmetic, handled once here so every other
 * module can treat sequence numbers as if they never wrapped.
 */

/** a - b as a signed distance in [-32768, 32767]: positive when a is after b. */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** True when a comes after b (modulo 2^16, within half the space). */
export function isNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqAdd(seq: number, delta: number): number {
  return (seq + delta) & 0xffff;
}

export function tsAdd(ts: number, delta: number): number {
  return (ts + delta) >>> 0;
}

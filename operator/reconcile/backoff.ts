/**
 * Per-item exponential backoff, the shape client-go's default controller rate limiter uses:
 * base * 2^failures, capped. 5 ms doubles to the 1000 s cap after ~18 consecutive failures, so
 * a flapping object is retried quickly at first and a permanently broken one costs almost
 * nothing. `forget` on success resets the count.
 */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 5, maxDelayMs: 1_000_000 };

export class ItemBackoff<K> {
  private readonly failures = new Map<K, number>();

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(options.baseDelayMs > 0) || !(options.maxDelayMs >= options.baseDelayMs)) {
      throw new RangeError(`backoff needs 0 < baseDelayMs <= maxDelayMs, got ${options.baseDelayMs} and ${options.maxDelayMs}`);
    }
  }

  /** Records one more failure of `key` and returns how long to wait before the next try. */
  next(key: K): number {
    const count = this.failures.get(key) ?? 0;
    this.failures.set(key, count + 1);
    // 2^count overflows to Infinity long after the cap is reached; Math.min keeps it finite.
    return Math.min(this.options.baseDelayMs * 2 ** count, this.options.maxDelayMs);
  }

  failuresOf(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }
}

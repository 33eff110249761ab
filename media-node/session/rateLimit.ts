/**
 * "At most one every N ms": keyframe requests from many viewers collapse into one PLI to
 * the publisher per interval, so a crowd joining at once does not make it send a keyframe
 * per viewer. The clock is injected so tests are exact.
 */
export interface RateLimiter { tryAcquire(): boolean }

export function createRateLimiter(intervalMs: number, now: () => number = Date.now): RateLimiter {
  let last = Number.NEGATIVE_INFINITY;
  return {
    tryAcquire() {
      const t = now();
      if (t - last < intervalMs) return false;
      last = t;
      return true;
    },
  };
}

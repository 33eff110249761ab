/**
 * One-shot timers and "now", passed in as a parameter wherever time matters (the work queue's
 * backoff, the informers' retries and resyncs, leader election), so tests drive time by hand
 * with ManualTimers (./manualTimers.ts) instead of sleeping.
 */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending retry or resync must never keep a stopping process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The real clock, and a manual one for deterministic tests of timers and "now". */
import type { Clock } from "./types.js";

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms);
    handle.unref(); // the report wheel must never keep a stopping process alive
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

interface ManualTimer {
  fn: () => void;
  ms: number;
  due: number;
}

/** A clock that only moves when told: advance(ms) fires due intervals in time order. */
export class ManualClock implements Clock {
  private t: number;
  private readonly timers = new Set<ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    const timer = { fn, ms, due: this.t + ms };
    this.timers.add(timer);
    return timer;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as ManualTimer);
  }
  activeTimers(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) if (timer.due <= end && (!next || timer.due < next.due)) next = timer;
      if (!next) break;
      this.t = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.t = end;
  }
}

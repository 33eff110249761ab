/**
 * Timers driven by hand, for deterministic tests of anything that takes `Timers`:
 * `advance(ms)` moves the clock and fires every timer that came due, in due order.
 */
import type { Timers } from "./timers.js";

interface ManualTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

export class ManualTimers implements Timers {
  private clock = 0;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.clock;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, dueAt: this.clock + Math.max(0, ms), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const target = this.clock + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.dueAt <= target).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.clock = due.dueAt;
      due.callback();
    }
    this.clock = target;
  }
}

/**
 * A work queue of object keys ("namespace/name"), with the guarantees a level-based
 * controller needs (client-go's workqueue semantics):
 * - de-duplicated: a key waiting in the queue is queued once however often it is added;
 * - one in flight per key: a key added while a worker holds it is queued again only when
 *   that worker calls `done`, so two workers never reconcile the same object at once;
 * - delayed adds (`addAfter`, `addRateLimited` with per-key exponential backoff), one timer
 *   per key at the earliest requested time;
 * - `shutDown` stops taking work, wakes idle workers and resolves once in-flight keys are done.
 * Timers come in as a parameter (common/timers.ts) so tests drive time by hand.
 */
import { realTimers, type Timers } from "../../common/timers.js";
import { DEFAULT_BACKOFF, ItemBackoff, type BackoffOptions } from "./backoff.js";

export interface WorkQueueOptions {
  timers?: Timers;
  backoff?: BackoffOptions;
}

interface PendingDelay {
  dueAt: number;
  handle: unknown;
}

export class WorkQueue {
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, PendingDelay>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private readonly timers: Timers;
  private readonly backoff: ItemBackoff<string>;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.timers = options.timers ?? realTimers;
    this.backoff = new ItemBackoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // `done` will queue it again
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.order.push(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.timers.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.dueAt <= dueAt) return;
    if (pending) this.timers.clearTimeout(pending.handle);
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { dueAt, handle });
  }

  /** Adds `key` after its next backoff delay (5 ms, 10 ms, ... up to the cap). Returns the delay. */
  addRateLimited(key: string): number {
    const delay = this.backoff.next(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  failuresOf(key: string): number {
    return this.backoff.failuresOf(key);
  }

  /** The next key to work on; `undefined` once the queue is shutting down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.order.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile it goes back in the queue. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.dirty.delete(key);
      this.add(key);
    }
    if (this.processing.size === 0) this.releaseDrainWaiters();
  }

  get length(): number {
    return this.order.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops the queue: no more adds, idle workers get `undefined`, pending delays are dropped.
   * Resolves when every key in flight has been marked done.
   */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const pending of this.delayed.values()) this.timers.clearTimeout(pending.handle);
    this.delayed.clear();
    this.order.length = 0;
    this.dirty.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private releaseDrainWaiters(): void {
    for (const release of this.drainWaiters.splice(0)) release();
  }
}

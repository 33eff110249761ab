/**
 * An informer: keeps a local copy of one resource collection up to date with list + watch,
 * and tells a handler what changed.
 * - starts (and restarts after 410 Gone / expired resourceVersion) with a full list, diffed
 *   against the store so handlers see adds, updates and deletes that happened meanwhile;
 * - a watch that ends normally (server-side timeout) resumes from the last resourceVersion;
 * - any other watch or list error backs off exponentially and retries, keeping the store;
 * - every `resyncPeriodMs` the handler sees every cached object again ("resync", no request).
 * The source (list/watch) and timers are parameters, so the logic is tested without a server.
 */
import { isGone } from "./errors.js";
import type { KubeObject } from "./objects.js";
import { objectKey } from "./objects.js";
import type { Timers } from "../../common/timers.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface ListWatchSource<T extends KubeObject> {
  /** A human name for logs ("deployments"). */
  readonly name: string;
  list(): Promise<ListResult<T>>;
  /** Streams events from `resourceVersion` until the server closes the stream (resolve) or it fails (reject, 410 as Gone). */
  watch(resourceVersion: string, onEvent: (type: WatchEventType, object: T) => void, signal: AbortSignal): Promise<void>;
}

export type ChangeKind = "add" | "update" | "delete" | "resync";
export type ChangeHandler<T> = (change: ChangeKind, object: T, old?: T) => void;

export interface ReflectorOptions {
  timers: Timers;
  resyncPeriodMs: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called on list/watch errors (for logs); the reflector retries on its own. */
  onError?: (error: unknown, phase: "list" | "watch", retryInMs: number) => void;
}

export class Reflector<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private readonly syncWaiters: Array<() => void> = [];
  private resourceVersion = "";
  private hasSynced = false;
  private stopped = true;
  private abort = new AbortController();
  private resyncHandle: unknown;
  private wakeSleeper: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly source: ListWatchSource<T>, private readonly options: ReflectorOptions) {}

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  get name(): string {
    return this.source.name;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(objectKey(namespace, name));
  }

  list(): T[] {
    return [...this.store.values()];
  }

  /** Resolves after the first successful list. */
  waitForSync(): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.loop = this.run();
    this.scheduleResync();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.wakeSleeper?.();
    if (this.resyncHandle !== undefined) this.options.timers.clearTimeout(this.resyncHandle);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.resourceVersion === "") {
        try {
          const listed = await this.source.list();
          this.replace(listed.items);
          this.resourceVersion = listed.resourceVersion;
          this.markSynced();
        } catch (error) {
          await this.backoff(error, "list");
          continue;
        }
      }
      const startedAt = this.options.timers.now();
      let events = 0;
      try {
        await this.source.watch(this.resourceVersion, (type, object) => {
          events += 1;
          this.apply(type, object);
        }, this.abort.signal);
        if (this.stopped) return;
        // A normal end: the server-side timeout. A stream that ends at once with nothing in it,
        // again and again, would be a tight loop; treat it as a failure so it backs off.
        if (events === 0 && this.options.timers.now() - startedAt < 1000) await this.backoff(new Error("watch closed at once"), "watch");
        else this.failures = 0;
      } catch (error) {
        if (this.stopped) return;
        if (isGone(error)) {
          this.resourceVersion = ""; // relist at once: the list is the recovery
          this.failures = 0;
          this.options.onError?.(error, "watch", 0);
          continue;
        }
        if (events > 0) this.failures = 0;
        await this.backoff(error, "watch");
      }
    }
  }

  private apply(type: WatchEventType, object: T): void {
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (type === "BOOKMARK") return;
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const old = this.store.get(key);
    if (type === "DELETED") {
      this.store.delete(key);
      this.emit("delete", object, old);
      return;
    }
    this.store.set(key, object);
    this.emit(old ? "update" : "add", object, old);
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const object of items) {
      const key = objectKey(object.metadata.namespace, object.metadata.name);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, object);
      if (!old) this.emit("add", object);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.emit("update", object, old);
    }
    for (const [key, object] of [...this.store]) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.emit("delete", object, object);
    }
  }

  private emit(change: ChangeKind, object: T, old?: T): void {
    for (const handler of this.handlers) {
      try {
        handler(change, object, old);
      } catch (error) {
        this.options.onError?.(error, "watch", 0); // a handler bug must not stop the informer
      }
    }
  }

  private markSynced(): void {
    if (this.hasSynced) return;
    this.hasSynced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private async backoff(error: unknown, phase: "list" | "watch"): Promise<void> {
    const base = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 10_000;
    const delay = Math.min(base * 2 ** this.failures, max);
    this.failures += 1;
    this.options.onError?.(error, phase, delay);
    await this.sleep(delay);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.options.timers.setTimeout(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, ms);
      this.wakeSleeper = () => {
        this.options.timers.clearTimeout(handle);
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }

  private scheduleResync(): void {
    if (this.stopped || !(this.options.resyncPeriodMs > 0)) return;
    this.resyncHandle = this.options.timers.setTimeout(() => {
      if (this.stopped) return;
      for (const object of this.store.values()) this.emit("resync", object, object);
      this.scheduleResync();
    }, this.options.resyncPeriodMs);
  }
}

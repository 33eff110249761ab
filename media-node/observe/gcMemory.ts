/**
 * Memory right after the last major GC, for the operator's verdict ("JS heap in use after the
 * last major GC + external memory"). A scrape can land anywhere between two collections, so
 * `process.memoryUsage()` read at scrape time mixes live data with garbage not yet collected;
 * the reading taken just after a mark-compact is the floor the operator compares builds by.
 * The scraper must never force a GC, so we only watch the ones V8 runs anyway.
 *
 * What Node 24 reports on 'gc' entries (checked): `detail.kind` 4 (NODE_PERFORMANCE_GC_MAJOR)
 * for every completed mark-compact, forced (`flags` 4) or scheduled (`flags` 64); incremental
 * marking steps arrive as their own kind-8 entries and minor GCs as kind 1 — neither counts.
 * Entries are delivered after a setImmediate, i.e. within one event-loop turn of the GC: close
 * enough to "right after" that only what the loop allocated in that turn is included.
 *
 * Known skew (measured on Node 24): V8 sweeps dead ArrayBuffers concurrently and takes their
 * bytes off `external` only when the NEXT GC (of any kind) starts, so `external` read here
 * still counts the Buffers this very GC found dead; `arrayBuffers` (Node's allocator) drops
 * within about a millisecond, as the sweeper frees them. Both builds under comparison carry
 * the same skew; `--no-concurrent-array-buffer-sweeping` removes it (not set here: it would
 * change the product's pause times for the sake of a gauge).
 */
import { constants, PerformanceObserver } from "node:perf_hooks";

export interface MemorySample {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface GcMemoryReading extends MemorySample {
  /** Date.now() when the values were read. */
  atMs: number;
  /** Major GCs seen since the observer started. */
  majorGcs: number;
  /** False before the first major GC: the values are then the current ones, not after a GC. */
  afterGc: boolean;
}

/** True for a completed mark-compact; incremental marking steps and scavenges are not. */
export function isMajorGc(detail: unknown): boolean {
  const kind = (detail as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === "number" && (kind & constants.NODE_PERFORMANCE_GC_MAJOR) !== 0;
}

const sampleProcess = (): MemorySample => {
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers };
};

/**
 * The bookkeeping, apart from the observer so it can be tested with made-up numbers:
 * `majorGc` stores a sample, `reading` answers with the stored one (or the current values
 * before the first major GC).
 */
export class GcMemoryTracker {
  private last: (MemorySample & { atMs: number }) | undefined;
  private count = 0;

  constructor(
    private readonly sample: () => MemorySample = sampleProcess,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called once per batch of observer entries that held `majors` major GCs. */
  majorGc(majors = 1): void {
    this.count += majors;
    this.last = { ...this.sample(), atMs: this.now() };
  }

  reading(): GcMemoryReading {
    if (this.last) return { ...this.last, majorGcs: this.count, afterGc: true };
    return { ...this.sample(), atMs: this.now(), majorGcs: this.count, afterGc: false };
  }
}

const processTracker = new GcMemoryTracker();
let observer: PerformanceObserver | undefined;

/**
 * Starts watching this process's GCs; later calls do nothing (one observer per process, however
 * many registries exist). The observer holds no handle, so it never keeps the process alive.
 */
export function startGcMemoryObserver(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    // @types/node types `detail` only on marks and measures; gc entries carry { kind, flags }.
    const majors = list.getEntries().filter((entry) => isMajorGc((entry as { detail?: unknown }).detail)).length;
    // One sample per batch: the entries of one batch all precede this very moment anyway.
    if (majors > 0) processTracker.majorGc(majors);
  });
  observer.observe({ entryTypes: ["gc"] });
}

/** Disconnects the observer (tests); readings taken so far stay. A later start observes again. */
export function stopGcMemoryObserver(): void {
  observer?.disconnect();
  observer = undefined;
}

/** The reading of this process (see GcMemoryTracker.reading). */
export function gcMemoryReading(): GcMemoryReading {
  return processTracker.reading();
}

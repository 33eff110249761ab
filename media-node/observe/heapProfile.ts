/**
 * Heap profiles in pprof format from V8's sampling heap profiler (@datadog/pprof).
 *
 * What the profile contains, and why its total matches `process.memoryUsage()`:
 * - per-function samples of live JS objects allocated since sampling started (real
 *   allocation sites: what the operator diffs between builds);
 * - `(external)`: added by @datadog/pprof itself, `process.memoryUsage().external`
 *   (ArrayBuffers, Buffers, native memory V8 is told about), which the sampler cannot see;
 * - `(unsampled: JS heap in use before profiling started)`: added here, the heap measured
 *   after a GC when sampling began. The sampler only sees allocations made after
 *   `startHeapSampling`, so Node's own bootstrap heap would otherwise be missing and a
 *   small node's profile total would read far below its real heap. It carries 0 objects
 *   because nobody counted them.
 * Start sampling as early as possible (`media-node/observe/earlyProfiling.ts` is the first
 * import of main.ts) so that module loading shows up as real samples, not in the baseline.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { heap } from "@datadog/pprof";
import { createRequire } from "node:module";

/**
 * @datadog/pprof is CommonJS and builds profiles from pprof-format's CommonJS copy; an ESM
 * import would give a second copy of the classes (dual-package hazard). Synthetic samples
 * are made from the same copy the profile came from.
 */
const pprofFormat = createRequire(import.meta.url)("pprof-format") as typeof import("pprof-format", { with: { "resolution-mode": "require" } });
const { Function: PprofFunction, Line, Location, Sample } = pprofFormat;
export type Profile = ReturnType<typeof heap.profile>;

export const UNSAMPLED_BASELINE_FUNCTION = "(unsampled: JS heap in use before profiling started)";
export const EXTERNAL_FUNCTION = "(external)";
/** Go's runtime samples every 512 KiB; a Node media node's heap is tens of MB, so finer. */
export const DEFAULT_HEAP_SAMPLING_BYTES = 128 * 1024;
const DEFAULT_STACK_DEPTH = 64;

export interface HeapSamplingState {
  intervalBytes: number;
  stackDepth: number;
  startedAtMs: number;
  /** JS heap in use (after GC) when sampling started: never seen by the sampler. */
  baselineHeapBytes: number;
}

let state: HeapSamplingState | undefined;
let gcFunction: (() => void) | undefined;

/**
 * Runs a full GC. Uses `global.gc` under --expose-gc; otherwise enables the flag and
 * takes `gc` from a fresh context (the flag only applies to contexts made afterwards).
 */
export function forceGc(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFunction = exposed;
    else {
      v8.setFlagsFromString("--expose-gc");
      gcFunction = vm.runInNewContext("gc") as () => void;
    }
  }
  gcFunction();
}

/** Starts sampling once per process; later calls return the first call's state. */
export function startHeapSampling(options: { intervalBytes?: number; stackDepth?: number } = {}): HeapSamplingState {
  if (state) return state;
  const intervalBytes = options.intervalBytes ?? DEFAULT_HEAP_SAMPLING_BYTES;
  const stackDepth = options.stackDepth ?? DEFAULT_STACK_DEPTH;
  if (!Number.isInteger(intervalBytes) || intervalBytes < 1024) {
    throw new Error(`heap sampling interval must be an integer >= 1024 bytes, got ${intervalBytes}`);
  }
  forceGc();
  const baselineHeapBytes = process.memoryUsage().heapUsed;
  heap.start(intervalBytes, stackDepth);
  state = { intervalBytes, stackDepth, startedAtMs: Date.now(), baselineHeapBytes };
  return state;
}

export function heapSamplingState(): HeapSamplingState | undefined {
  return state;
}

/** Appends one leaf-only sample for memory the sampler cannot attribute to a call site. */
export function addSyntheticSample(profile: Profile, functionName: string, objects: number, bytes: number): void {
  const nextId = (items: Array<{ id: number | bigint }>) => items.reduce((max, item) => Math.max(max, Number(item.id)), 0) + 1;
  const name = profile.stringTable.dedup(functionName);
  const fn = new PprofFunction({ id: nextId(profile.function), name, systemName: name, filename: profile.stringTable.dedup("") });
  profile.function.push(fn);
  const location = new Location({ id: nextId(profile.location), line: [new Line({ functionId: fn.id, line: 0 })] });
  profile.location.push(location);
  profile.sample.push(new Sample({ locationId: [location.id], value: [objects, bytes], label: [] }));
}

/** In-use heap profile now (after a GC when `gc` is set, like Go's `?gc=1`). */
export function collectHeapProfile(options: { gc?: boolean } = {}): Profile {
  const current = state ?? startHeapSampling();
  if (options.gc) forceGc();
  const profile = heap.profile();
  addSyntheticSample(profile, UNSAMPLED_BASELINE_FUNCTION, 0, current.baselineHeapBytes);
  return profile;
}

/** Sum of one sample type (e.g. "inuse_space") over all samples. */
export function profileTotal(profile: Profile, sampleType: string): number {
  const index = profile.sampleType.findIndex((t) => profile.stringTable.strings[Number(t.type)] === sampleType);
  if (index < 0) throw new Error(`profile has no sample type ${sampleType}`);
  return profile.sample.reduce((sum, s) => sum + Number(s.value[index] ?? 0), 0);
}

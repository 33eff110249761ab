import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { promisify } from "node:util";
import { forceGc } from "./heapProfile.js";
import { GcMemoryTracker, gcMemoryReading, isMajorGc, startGcMemoryObserver, type MemorySample } from "./gcMemory.js";
import { createMetrics } from "./metrics.js";

const MiB = 1024 * 1024;

/** Observer entries arrive an event-loop turn after the GC; wait for the count to pass `seen`. */
async function majorGcObserved(seen: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (gcMemoryReading().majorGcs <= seen) {
    if (Date.now() > deadline) throw new Error(`no major GC observed after ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function collectAndObserve(): Promise<void> {
  const seen = gcMemoryReading().majorGcs;
  forceGc();
  await majorGcObserved(seen);
}

/**
 * Two full GCs: V8 sweeps dead ArrayBuffers concurrently and takes their bytes off `external`
 * only at the next GC, so a reading after one GC can still count Buffers an earlier test
 * dropped. After the second, the baseline holds live memory only.
 */
async function settle(): Promise<void> {
  await collectAndObserve();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await collectAndObserve();
}

function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  assert.ok(match, `${name} missing from:\n${text}`);
  return Number(match[1]);
}

test("isMajorGc: mark-compact (kind 4) only; scavenges, minor mark-sweep and incremental steps are not", () => {
  assert.equal(isMajorGc({ kind: 4, flags: 4 }), true);
  assert.equal(isMajorGc({ kind: 4, flags: 64 }), true);
  for (const kind of [1, 2, 8, 16]) assert.equal(isMajorGc({ kind, flags: 0 }), false, `kind ${kind}`);
  assert.equal(isMajorGc(undefined), false);
  assert.equal(isMajorGc({}), false);
});

test("tracker: current values before the first major GC, then frozen until the next one", () => {
  let current: MemorySample = { heapUsed: 10, external: 20, arrayBuffers: 5 };
  let now = 1000;
  const tracker = new GcMemoryTracker(() => current, () => now);
  assert.deepEqual(tracker.reading(), { heapUsed: 10, external: 20, arrayBuffers: 5, atMs: 1000, majorGcs: 0, afterGc: false });
  current = { heapUsed: 11, external: 21, arrayBuffers: 6 };
  assert.equal(tracker.reading().heapUsed, 11, "before any GC the reading follows the process");

  tracker.majorGc();
  current = { heapUsed: 99, external: 99, arrayBuffers: 99 };
  now = 5000;
  assert.deepEqual(tracker.reading(), { heapUsed: 11, external: 21, arrayBuffers: 6, atMs: 1000, majorGcs: 1, afterGc: true });

  tracker.majorGc(2);
  assert.deepEqual(tracker.reading(), { heapUsed: 99, external: 99, arrayBuffers: 99, atMs: 5000, majorGcs: 3, afterGc: true });
});

test("after retaining 30 MiB of Buffers and a major GC, external-after-GC grows by about 30 MiB and the metrics say so", async () => {
  startGcMemoryObserver();
  startGcMemoryObserver(); // idempotent: a second observer would count every GC twice
  const metrics = createMetrics({ version: "1", commit: "c", image: "i" }, { defaultMetrics: false });
  await settle();
  const before = gcMemoryReading();
  assert.equal(before.afterGc, true);

  const retained = Array.from({ length: 30 }, (_, i) => Buffer.alloc(MiB, i));
  const gcsBefore = before.majorGcs;
  await collectAndObserve();
  const after = gcMemoryReading();
  assert.equal(after.majorGcs, gcsBefore + 1, "exactly one major GC per forced GC (one observer)");
  const grown = after.external - before.external;
  assert.ok(grown >= 29 * MiB && grown <= 34 * MiB, `external grew by ${(grown / MiB).toFixed(1)} MiB, expected ~30`);
  const grownBuffers = after.arrayBuffers - before.arrayBuffers;
  assert.ok(grownBuffers >= 29 * MiB && grownBuffers <= 34 * MiB, `arrayBuffers grew by ${(grownBuffers / MiB).toFixed(1)} MiB`);

  const text = await metrics.registry.metrics();
  const reading = gcMemoryReading();
  assert.equal(reading.majorGcs, after.majorGcs, "no GC between the scrape and this reading, else the comparison below is void");
  assert.equal(metricValue(text, "mediafleet_external_after_gc_bytes"), reading.external);
  assert.equal(metricValue(text, "mediafleet_heap_after_gc_bytes"), reading.heapUsed);
  assert.equal(metricValue(text, "mediafleet_array_buffers_after_gc_bytes"), reading.arrayBuffers);
  assert.equal(metricValue(text, "mediafleet_major_gcs_total"), reading.majorGcs);
  const age = metricValue(text, "mediafleet_heap_after_gc_age_seconds");
  assert.ok(age >= 0 && age < 5, `age ${age}`);
  assert.match(text, /^# TYPE mediafleet_major_gcs_total counter$/m);
  assert.match(text, /^# TYPE mediafleet_external_after_gc_bytes gauge$/m);
  assert.equal(retained.length, 30); // keeps the Buffers alive up to here
});

test("the readings do not move without a major GC (scavenges do not count), though the process's memory does", async () => {
  startGcMemoryObserver();
  await settle();
  let minorGcs = 0;
  const minors = new PerformanceObserver((list) => {
    minorGcs += list.getEntries().filter((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
  });
  minors.observe({ entryTypes: ["gc"] });
  const first = gcMemoryReading();
  const more = Array.from({ length: 8 }, () => Buffer.alloc(MiB, 1));
  // Short-lived small objects: scavenges, which must not replace the after-major-GC reading.
  let sink = 0;
  for (let round = 0; round < 20 && minorGcs === 0; round++) {
    for (let i = 0; i < 200_000; i++) sink += ({ i } as { i: number }).i & 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  minors.disconnect();
  assert.ok(minorGcs > 0, `precondition: scavenges happened (sink ${sink})`);
  const live = process.memoryUsage();
  const second = gcMemoryReading();
  assert.equal(second.majorGcs, first.majorGcs, "precondition: 8 MiB of Buffers set off no major GC");
  assert.deepEqual(second, first);
  assert.ok(live.arrayBuffers >= first.arrayBuffers + 7 * MiB, "the live value moved, the after-GC one did not");
  assert.equal(more.length, 8);
});

test("the observer does not keep a process alive", async () => {
  const moduleUrl = new URL("./gcMemory.ts", import.meta.url).href;
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => { m.startGcMemoryObserver(); console.log("started"); })`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    timeout: 20_000,
  });
  assert.equal(stdout.trim(), "started");
});

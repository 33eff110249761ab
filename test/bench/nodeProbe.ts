/**
 * Reads a running media node from outside: process CPU from /proc, Prometheus samples from
 * /metrics, memory after a forced GC from the pprof listener's /debug/vars, and the heap
 * profile's in-use total.
 */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { Profile } from "pprof-format";

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** user + system CPU of a process so far, in milliseconds (resolution: one clock tick). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

/** One "Vm...: N kB" line of /proc/<pid>/status, in bytes (0 when absent). */
function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

export const processRssBytes = (pid: number) => procStatusBytes(pid, "VmRSS");

export type MetricSamples = Map<string, number>;

/** Parses Prometheus text into "name{labels}" -> value. */
export function parseMetrics(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.eE+-]+|NaN|[+-]Inf)$/.exec(line);
    if (m) samples.set(m[1]! + (m[2] ?? ""), Number(m[3]));
  }
  return samples;
}

/** Sum of every sample of `name` (any labels). */
export function metricSum(samples: MetricSamples, name: string): number {
  let total = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(name + "{")) total += value;
  return total;
}

export async function scrapeMetrics(metricsUrl: string): Promise<MetricSamples> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${metricsUrl} -> ${res.status}`);
  return parseMetrics(await res.text());
}

/**
 * What a pod's memory limit sees while media flows, and where it goes: resident set now and its
 * peak since start (VmHWM, what an OOM kill is decided on), V8's committed heap and its young
 * generation (new space, sized by the allocation rate, not by live data) and old space.
 */
export interface ResidentMemory {
  rss: number;
  peakRss: number;
  heapTotal: number;
  newSpace: number;
  oldSpace: number;
}

export function residentMemory(pid: number, samples: MetricSamples): ResidentMemory {
  const spaceTotal = (space: string) => {
    let total = 0;
    for (const [key, value] of samples) if (key.startsWith("nodejs_heap_space_size_total_bytes{") && key.includes(`space="${space}"`)) total += value;
    return total;
  };
  return {
    rss: processRssBytes(pid),
    peakRss: procStatusBytes(pid, "VmHWM"),
    heapTotal: metricSum(samples, "nodejs_heap_size_total_bytes"),
    newSpace: spaceTotal("new"),
    oldSpace: spaceTotal("old"),
  };
}

export interface MemoryAfterGc {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** false when the node has no /debug/vars (numbers then come from /metrics without a GC). */
  gc: boolean;
}

export async function memoryAfterGc(pprofBase: string, metricsUrl: string): Promise<MemoryAfterGc> {
  const res = await fetch(`${pprofBase}/debug/vars?gc=1`, { signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
  if (res?.status === 200) {
    const { memoryUsage } = (await res.json()) as { memoryUsage: NodeJS.MemoryUsage };
    return { heapUsed: memoryUsage.heapUsed, external: memoryUsage.external, arrayBuffers: memoryUsage.arrayBuffers, rss: memoryUsage.rss, gc: true };
  }
  const samples = await scrapeMetrics(metricsUrl);
  return {
    heapUsed: metricSum(samples, "nodejs_heap_size_used_bytes"),
    external: metricSum(samples, "nodejs_external_memory_bytes"),
    arrayBuffers: 0,
    rss: metricSum(samples, "process_resident_memory_bytes"),
    gc: false,
  };
}

export interface HeapProfileSummary {
  inuseBytes: number;
  /** inuse_space per leaf function, largest first (top 15). */
  top: Array<{ function: string; bytes: number }>;
}

export async function heapProfileSummary(pprofBase: string): Promise<HeapProfileSummary | undefined> {
  const res = await fetch(`${pprofBase}/debug/pprof/heap?gc=1`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const profile = Profile.decode(gunzipSync(new Uint8Array(await res.arrayBuffer())));
  const str = (i: unknown) => profile.stringTable.strings[Number(i)] ?? "?";
  const space = profile.sampleType.findIndex((t) => str(t.type) === "inuse_space");
  const fnName = new Map(profile.function.map((f) => [Number(f.id), str(f.name)]));
  const leaf = new Map(profile.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0]?.functionId)) ?? "?"]));
  const byFunction = new Map<string, number>();
  let inuseBytes = 0;
  for (const s of profile.sample) {
    const bytes = Number(s.value[space]);
    inuseBytes += bytes;
    const name = leaf.get(Number(s.locationId[0])) ?? "?";
    byFunction.set(name, (byFunction.get(name) ?? 0) + bytes);
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([fn, bytes]) => ({ function: fn, bytes }));
  return { inuseBytes, top };
}

/**
 * What scraping costs the operator, per pod and per interval, at fleet scale: CPU, bytes in and
 * heap held. `scrapeAll` (operator/scrape/scraper.ts, the operator's own path: /metrics parsed,
 * /debug/pprof/heap fetched, inflated, decoded and folded into sites) runs in THIS process
 * against `pods` stand-in pods (scrapeCostServer.ts, one other process) that serve a /metrics
 * text and a heap profile recorded once from a real media node with viewers. Rounds are spaced
 * so every round opens new connections, as the operator's 30 s interval does.
 * Also measured: the same rounds without the profile (metrics only), and the fold alone.
 * Left out by design: the kube API work of a reconcile (pod list from the informer cache,
 * status patch with the series, events) and the verdict, which run per MediaServer, not per pod.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { readHeapProfile } from "../../operator/scrape/heapProfile.js";
import { scrapeAll, type PodScrape, type ScrapeTarget } from "../../operator/scrape/scraper.js";
import { startClientProcess } from "../support/clients.js";
import { spawnTsx, stopChild } from "../support/child.js";
import { startMediaNode } from "../support/mediaNode.js";
import { heldPerPod, perPodCost, type PerPodCost, type RoundMeasure } from "./scrapeCostMath.js";

export interface Fixture {
  metrics: Buffer;
  profile: Buffer;
  viewers: number;
  sites: number;
}

export interface ScrapeCostResult {
  pods: number;
  concurrency: number;
  fixture: { metricsBytes: number; profileBytes: number; viewers: number; sites: number };
  full: PerPodCost;
  metricsOnly: PerPodCost;
  foldOnlyCpuMsPerPod: number;
  heldBytesPerPod: { oneRound: number; fiveProfiles: number };
}

const PROFILES_KEPT = 5; // operator/rollout/policy.ts keeps this many profiles per pod during an analysis
const CONCURRENCY = 8; // operator/reconcile/controller.ts
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A full GC on demand, without starting the bench with --expose-gc. */
function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** /metrics and a heap profile of a real media node (dist build) serving `viewers` WHEP viewers. */
export async function recordFixture(viewers: number, progress: (line: string) => void): Promise<Fixture> {
  progress(`recording /metrics and /debug/pprof/heap of a real media node with ${viewers} viewers ...`);
  const node = await startMediaNode({ dist: true, config: { paths: [{ name: "live", source: { testPattern: { mode: "synthetic", packetsPerSecond: 250 } } }] } });
  const clients = await startClientProcess(30_000);
  try {
    const ids = Array.from({ length: viewers }, (_, i) => `fixture-${i}`);
    for (const id of ids) {
      const created = await clients.view({ id, url: `${node.httpUrl}/live/whep` });
      if (created.status !== 201) throw new Error(`WHEP answered ${created.status}: ${created.body}`);
    }
    for (const id of ids) await clients.waitConnected(id, 30_000);
    await sleep(8000); // NACK histories and session state filled, a few major GCs behind us
    const metrics = Buffer.from(await (await fetch(node.metricsUrl, { headers: { accept: "text/plain;version=0.0.4" } })).arrayBuffer());
    const profile = Buffer.from(await (await fetch(new URL("heap", node.pprofUrl))).arrayBuffer());
    const folded = await readHeapProfile(profile);
    return { metrics, profile, viewers, sites: folded.sites.length };
  } finally {
    await clients.stop();
    await node.stop();
  }
}

async function startStandIns(fixture: Fixture, pods: number): Promise<{ targets: ScrapeTarget[]; stop: () => Promise<unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), "mediafleet-bench-scrape-"));
  writeFileSync(join(dir, "metrics.txt"), fixture.metrics);
  writeFileSync(join(dir, "heap.pb.gz"), fixture.profile);
  const child = spawnTsx(["test/bench/scrapeCostServer.ts", "--metrics", join(dir, "metrics.txt"), "--profile", join(dir, "heap.pb.gz"), "--count", String(pods), "--prefix", "127.42"]);
  const line = await child.waitForLine((l) => l.startsWith('{"event":"ready"'), 30_000, "the stand-in pods");
  const listed = (JSON.parse(line) as { targets: Array<{ ip: string; metricsPort: number; pprofPort: number }> }).targets;
  const targets = listed.map((t, i): ScrapeTarget => ({ pod: `standin-${i}`, ip: t.ip, metricsPort: t.metricsPort, pprofPort: t.pprofPort, role: "stable", revision: "bench", podStartMs: Date.now() }));
  const stop = async () => {
    await stopChild(child, 3000);
    rmSync(dir, { recursive: true, force: true });
  };
  return { targets, stop };
}

async function round(targets: ScrapeTarget[], fixture: Fixture, profile: boolean): Promise<{ measure: RoundMeasure; results: PodScrape[] }> {
  await sleep(1500); // the stand-ins' keep-alive (1 s) has run out: new connections, as every 30 s
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await scrapeAll(targets, { profile, timeoutMs: 10_000, concurrency: CONCURRENCY });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  let bytesIn = 0;
  let errors = 0;
  for (const r of results) {
    errors += r.errors.length;
    if (r.sample) bytesIn += fixture.metrics.length;
    if (r.sample?.sites) bytesIn += fixture.profile.length;
  }
  return { measure: { cpuMicros: cpu.user + cpu.system, wallMs, pods: targets.length, bytesIn, errors }, results };
}

export async function measureScrapeCost(options: { pods: number; rounds: number; viewers: number; progress: (line: string) => void }): Promise<ScrapeCostResult> {
  const gc = exposeGc();
  const fixture = await recordFixture(options.viewers, options.progress);
  options.progress(`${options.pods} stand-in pods (metrics ${fixture.metrics.length} B, profile ${fixture.profile.length} B gzipped, ${fixture.sites} sites); ${options.rounds} rounds each ...`);
  const standIns = await startStandIns(fixture, options.pods);
  try {
    const { targets } = standIns;
    await round(targets, fixture, true); // warm-up: JIT, DNS-free loopback sockets, module init
    const metricsOnly: RoundMeasure[] = [];
    for (let i = 0; i < options.rounds; i++) metricsOnly.push((await round(targets, fixture, false)).measure);
    const full: RoundMeasure[] = [];
    for (let i = 0; i < options.rounds; i++) full.push((await round(targets, fixture, true)).measure);

    // The fold alone, on the recorded profile, no network: inflate + decode + fold.
    const foldCpu0 = process.cpuUsage();
    for (let i = 0; i < options.pods; i++) await readHeapProfile(fixture.profile);
    const foldCpu = process.cpuUsage(foldCpu0);

    // Heap held between intervals: one round's results, then the last five profiles per pod as the
    // policy keeps them. Read once the round's idle connections have closed (they are not held).
    const settledHeap = async () => {
      await sleep(1500);
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = await settledHeap();
    let held: PodScrape[] | undefined = (await round(targets, fixture, true)).results;
    const oneRound = heldPerPod(before, await settledHeap(), options.pods);
    // Read after the GC, so the results are certainly alive through it.
    if (held.length !== options.pods) throw new Error("a round lost results");
    held = undefined;
    const kept = new Map<string, unknown[]>();
    for (let i = 0; i < PROFILES_KEPT; i++) {
      for (const r of (await round(targets, fixture, true)).results) if (r.sample?.sites) kept.set(r.sample.pod, [...(kept.get(r.sample.pod) ?? []), r.sample.sites].slice(-PROFILES_KEPT));
    }
    const fiveProfiles = heldPerPod(before, await settledHeap(), options.pods);
    if (kept.size !== options.pods) throw new Error(`profiles kept for ${kept.size} of ${options.pods} pods`);

    return {
      pods: options.pods,
      concurrency: CONCURRENCY,
      fixture: { metricsBytes: fixture.metrics.length, profileBytes: fixture.profile.length, viewers: fixture.viewers, sites: fixture.sites },
      full: perPodCost(full),
      metricsOnly: perPodCost(metricsOnly),
      foldOnlyCpuMsPerPod: (foldCpu.user + foldCpu.system) / 1000 / options.pods,
      heldBytesPerPod: { oneRound: Math.round(oneRound), fiveProfiles: Math.round(fiveProfiles) },
    };
  } finally {
    await standIns.stop();
  }
}

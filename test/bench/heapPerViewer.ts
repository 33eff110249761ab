/**
 * Heap per viewer, measured carefully, with the allocation sites that grow per viewer.
 *
 *   npx tsx test/bench/heapPerViewer.ts [--modes stock,shared,off,perViewer] [--steps 0,25,50,100]
 *        [--settle 5] [--repeats 1] [--sampling 16384] [--history 512] [--top 15] [--streaming]
 *        [--node-options "--import ./x.mjs"] [--out FILE]
 *   npx tsx test/bench/heapPerViewer.ts --report bench-results/heap-per-viewer-....json
 *
 * Per mode (and repeat): a fresh media node (pprof on, finer heap sampling), the RTP publisher
 * at 250 packets/s, a light viewer crowd in its own process. At each step the missing viewers
 * connect, the node settles, the publisher stops (unless --streaming: packets in flight are
 * churn that makes external memory jump, not per-viewer state), then in-use memory (heapUsed + external) is read after a forced
 * GC until three readings in a row agree within 1% (median of them taken), and a heap profile
 * is taken after a GC. Output: slope of in-use bytes against connected viewers with r², and
 * the sites whose bytes grow per viewer (least-squares over the steps), by the allocating
 * frame and by the first frame in media-node or werift code.
 * "stock" = werift's own send path with nack perViewer (test/bench/stockMediaNode.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { startCrowd } from "./crowdClient.js";
import { foldProfile, linearFit, median, siteGrowth, type SiteGrowth } from "./heapSites.js";
import { RESULTS_DIR } from "./paths.js";
import { startRtpPublisher } from "./rtpPublisher.js";
import { residentMemory, scrapeMetrics, type ResidentMemory } from "./nodeProbe.js";
import { freeUdpPort, startMediaNode, type StartedNode } from "../support/mediaNode.js";

const MODES = ["stock", "shared", "off", "perViewer"] as const;
type Mode = (typeof MODES)[number];

interface Options {
  modes: Mode[];
  steps: number[];
  settle: number;
  repeats: number;
  sampling: number;
  history: number;
  top: number;
  /** Stop the publisher while memory is read (default); --streaming keeps it running. */
  quiet: boolean;
  /** Extra NODE_OPTIONS for the media node (experiments, e.g. --import a module that sets a knob). */
  nodeOptions?: string;
  out?: string;
  report?: string;
}

interface Step {
  viewers: number;
  heapUsed: number;
  external: number;
  inUse: number;
  readings: number[];
  profileTotal: number;
  /** Read before the publisher stops, media flowing: what the pod's memory limit sees. */
  resident?: ResidentMemory;
}

interface RunResult {
  mode: Mode;
  repeat: number;
  steps: Step[];
  perViewer: { inUse: number; heapUsed: number; external: number; profile: number; r2: number };
  leafSites: SiteGrowth[];
  ownerSites: SiteGrowth[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

function parseArgs(argv: string[]): Options {
  const o: Options = { modes: ["stock", "shared", "off"], steps: [0, 25, 50, 100], settle: 5, repeats: 1, sampling: 16 * 1024, history: 512, top: 15, quiet: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i] ?? (() => { throw new Error(`${arg} needs a value`); })();
    const list = () => value().split(",").map((s) => s.trim()).filter(Boolean);
    if (arg === "--modes") o.modes = list().map((m) => ((MODES as readonly string[]).includes(m) ? (m as Mode) : (() => { throw new Error(`unknown mode ${m} (${MODES.join(", ")})`); })()));
    else if (arg === "--steps") o.steps = list().map(Number).sort((a, b) => a - b);
    else if (arg === "--settle") o.settle = Number(value());
    else if (arg === "--repeats") o.repeats = Number(value());
    else if (arg === "--sampling") o.sampling = Number(value());
    else if (arg === "--history") o.history = Number(value());
    else if (arg === "--top") o.top = Number(value());
    else if (arg === "--streaming") o.quiet = false;
    else if (arg === "--node-options") o.nodeOptions = value();
    else if (arg === "--out") o.out = value();
    else if (arg === "--report") o.report = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  if (o.steps.length < 2 || o.steps.some((n) => !Number.isInteger(n) || n < 0 || n > 1000)) throw new Error("--steps: at least two whole numbers 0..1000");
  return o;
}

const pprofBase = (node: StartedNode) => node.pprofUrl.replace(/\/debug\/pprof\/?$/, "");

/** In-use after GC, read until three readings in a row agree within 1% (at most 12 readings). */
async function stableMemory(node: StartedNode) {
  const readings: Array<{ heapUsed: number; external: number; inUse: number }> = [];
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${pprofBase(node)}/debug/vars?gc=1`, { signal: AbortSignal.timeout(20_000) });
    if (res.status !== 200) throw new Error(`/debug/vars -> ${res.status}`);
    const { memoryUsage: m } = (await res.json()) as { memoryUsage: NodeJS.MemoryUsage };
    readings.push({ heapUsed: m.heapUsed, external: m.external, inUse: m.heapUsed + m.external });
    const last = readings.slice(-3).map((r) => r.inUse);
    if (last.length === 3 && (Math.max(...last) - Math.min(...last)) / Math.min(...last) < 0.01) break;
    await sleep(300);
  }
  const last = readings.slice(-3);
  return {
    heapUsed: median(last.map((r) => r.heapUsed)),
    external: median(last.map((r) => r.external)),
    inUse: median(last.map((r) => r.inUse)),
    readings: readings.map((r) => r.inUse),
  };
}

async function heapProfile(node: StartedNode) {
  const res = await fetch(`${pprofBase(node)}/debug/pprof/heap?gc=1`, { signal: AbortSignal.timeout(60_000) });
  if (res.status !== 200) throw new Error(`/debug/pprof/heap -> ${res.status}`);
  return foldProfile(gunzipSync(new Uint8Array(await res.arrayBuffer())));
}

async function runMode(mode: Mode, repeat: number, o: Options, log: (s: string) => void): Promise<RunResult> {
  const rtpPort = await freeUdpPort();
  const node = await startMediaNode({
    config: {
      // info: the harness waits for the "media node ready" line.
      log: { level: "info" },
      webrtc: { nack: { mode: mode === "stock" ? "perViewer" : mode, historyPackets: o.history }, maxSessions: 5000 },
      paths: [{ name: "bench", source: { rtp: { host: "127.0.0.1", port: rtpPort, codec: "VP8", payloadType: 96, clockRate: 90000 } } }],
    },
    fanout: mode === "stock" ? "stock" : "lean",
    env: { MEDIA_NODE_HEAP_SAMPLING_BYTES: String(o.sampling), ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) },
    timeoutMs: 30_000,
  });
  let publisher = startRtpPublisher({ host: "127.0.0.1", port: rtpPort });
  const crowd = await startCrowd({ light: true });
  const steps: Step[] = [];
  const leaf: Array<Map<string, number>> = [];
  const owner: Array<Map<string, number>> = [];
  try {
    await sleep(2000);
    let connected = 0;
    for (const n of o.steps) {
      for (let round = 0; round < 3 && connected < n; round++) {
        const results = await crowd.connect(`${node.httpUrl}/bench/whep`, n - connected, { concurrency: round === 0 ? 25 : 5, timeoutMs: 60_000 });
        connected += results.filter((r) => r.ok).length;
      }
      await sleep(o.settle * 1000);
      const resident = residentMemory(node.pid, await scrapeMetrics(node.metricsUrl));
      if (o.quiet) {
        // Packets in flight (SRTP outputs queued on the socket, pooled slabs) are churn, not
        // per-viewer state, and make external memory jump between readings: stop the source.
        await publisher.close();
        await sleep(1500);
      }
      const mem = await stableMemory(node);
      const sites = await heapProfile(node);
      steps.push({ viewers: connected, heapUsed: mem.heapUsed, external: mem.external, inUse: mem.inUse, readings: mem.readings, profileTotal: sites.total, resident });
      if (o.quiet) publisher = startRtpPublisher({ host: "127.0.0.1", port: rtpPort });
      leaf.push(sites.leaf);
      owner.push(sites.owner);
      log(`[${mode}#${repeat}] ${connected}/${n} viewers: in-use ${(mem.inUse / 1e6).toFixed(2)} MB (heap ${(mem.heapUsed / 1e6).toFixed(2)} + external ${(mem.external / 1e6).toFixed(2)}), ${mem.readings.length} GC readings, profile ${(sites.total / 1e6).toFixed(2)} MB; streaming: RSS ${(resident.rss / 1e6).toFixed(0)} MB, V8 new space ${(resident.newSpace / 1e6).toFixed(0)} MB`);
    }
  } finally {
    await crowd.stop().catch(() => undefined);
    await publisher.close();
    await node.stop();
  }
  const xs = steps.map((s) => s.viewers);
  const fit = (pick: (s: Step) => number) => linearFit(xs, steps.map(pick));
  const inUse = fit((s) => s.inUse);
  return {
    mode,
    repeat,
    steps,
    perViewer: { inUse: inUse.slope, r2: inUse.r2, heapUsed: fit((s) => s.heapUsed).slope, external: fit((s) => s.external).slope, profile: fit((s) => s.profileTotal).slope },
    leafSites: siteGrowth(xs, leaf, o.top),
    ownerSites: siteGrowth(xs, owner, o.top),
  };
}

function render(runs: RunResult[]): string {
  const lines: string[] = ["| mode | run | in-use KB/viewer | r² | heapUsed KB/viewer | external KB/viewer | profile KB/viewer |", "|---|---|---|---|---|---|---|"];
  for (const r of runs) lines.push(`| ${r.mode} | ${r.repeat} | ${kb(r.perViewer.inUse)} | ${r.perViewer.r2.toFixed(3)} | ${kb(r.perViewer.heapUsed)} | ${kb(r.perViewer.external)} | ${kb(r.perViewer.profile)} |`);
  lines.push("", "What a pod's memory limit sees, per N (media flowing; in-use is after GC with the source paused):", "", "| mode | run | viewers | in-use MB | RSS MB (peak) | V8 heap committed MB | new space MB | old space MB |", "|---|---|---:|---:|---:|---:|---:|---:|");
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  for (const r of runs) {
    for (const s of r.steps) {
      const m = s.resident;
      lines.push(`| ${r.mode} | ${r.repeat} | ${s.viewers} | ${mb(s.inUse)} | ${m ? `${mb(m.rss)} (${mb(m.peakRss)})` : "n/a"} | ${m ? mb(m.heapTotal) : "n/a"} | ${m ? mb(m.newSpace) : "n/a"} | ${m ? mb(m.oldSpace) : "n/a"} |`);
    }
  }
  const modes = [...new Set(runs.map((r) => r.mode))];
  const med = new Map(modes.map((m) => [m, median(runs.filter((r) => r.mode === m).map((r) => r.perViewer.inUse))]));
  lines.push("", "| mode | median in-use KB/viewer | × stock |", "|---|---|---|");
  for (const m of modes) lines.push(`| ${m} | ${kb(med.get(m)!)} | ${med.has("stock") ? (med.get(m)! / med.get("stock")!).toFixed(2) : "-"} |`);
  for (const r of runs) {
    for (const [what, rows] of [["allocating frame", r.leafSites], ["first media-node/werift frame", r.ownerSites]] as const) {
      lines.push("", `### ${r.mode} #${r.repeat}: top growth per viewer by ${what}`, "| KB/viewer | r² | KB at last step | site |", "|---|---|---|---|");
      for (const s of rows) lines.push(`| ${kb(s.bytesPerViewer)} | ${s.r2.toFixed(2)} | ${kb(s.lastBytes)} | \`${s.site}\` |`);
    }
  }
  return lines.join("\n");
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.report) {
    console.log(render(JSON.parse(readFileSync(o.report, "utf8")).runs as RunResult[]));
    return;
  }
  const log = (s: string) => process.stderr.write(s + "\n");
  const runs: RunResult[] = [];
  for (let repeat = 1; repeat <= o.repeats; repeat++) for (const mode of o.modes) runs.push(await runMode(mode, repeat, o, log));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = o.out ?? join(RESULTS_DIR, `heap-per-viewer-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}.json`);
  writeFileSync(out, JSON.stringify({ options: o, runs }, null, 2));
  console.log(render(runs));
  log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

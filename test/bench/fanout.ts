/**
 * Fan-out benchmark: werift's stock send path against the lean path in each NACK mode.
 *
 *   npm run bench:fanout -- [--quick] [--modes stock,shared] [--viewers 10,50,100] [--seconds 10]
 *                           [--settle 3] [--full-crowd] [--history 512] [--node-options "..."] [--out FILE]
 *   npx tsx test/bench/fanout.ts --report bench-results/fanout-....json   (tables of an earlier run)
 *
 * For each mode: a fresh media node (RTP ingest at 250 packets/s of 1100 bytes), a viewer
 * crowd in another process (light receive mode unless --full-crowd), viewers added in
 * batches up to each N, a steady measurement window per N. Progress goes to stderr; the
 * markdown tables to stdout; everything measured to bench-results/fanout-<date>.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { RESULTS_DIR } from "./paths.js";
import { connectTable, ratiosAgainstStock, stepsTable, summarize, summaryTable, TARGETS } from "./report.js";
import { MODES, runScenario, type Mode, type ScenarioResult } from "./scenario.js";

interface Options {
  modes: Mode[];
  viewers: number[];
  seconds: number;
  settle: number;
  light: boolean;
  history: number;
  /** NODE_OPTIONS for the media node, e.g. "--max-semi-space-size=8" (the young-generation sweep). */
  nodeOptions?: string;
  out?: string;
}

const DEFAULTS = { viewers: [10, 25, 50, 100, 150, 200], seconds: 10, settle: 3 };
const QUICK = { viewers: [10, 50, 100], seconds: 5, settle: 2 };
const MAX_VIEWERS = 1000;

function parseList(raw: string, what: string): string[] {
  const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`${what}: empty list`);
  return items;
}

export function parseArgs(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const base = quick ? QUICK : DEFAULTS;
  const options: Options = { modes: [...MODES], viewers: base.viewers, seconds: base.seconds, settle: base.settle, light: true, history: 512 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--quick") continue;
    else if (arg === "--modes") {
      options.modes = parseList(value(), "--modes").map((m) => {
        if (!(MODES as readonly string[]).includes(m)) throw new Error(`--modes: unknown mode "${m}" (${MODES.join(", ")})`);
        return m as Mode;
      });
    } else if (arg === "--viewers") {
      options.viewers = parseList(value(), "--viewers").map(Number);
      if (options.viewers.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_VIEWERS)) throw new Error(`--viewers: whole numbers 1..${MAX_VIEWERS}`);
      options.viewers.sort((a, b) => a - b);
    } else if (arg === "--seconds") {
      options.seconds = Number(value());
      if (!(options.seconds >= 1 && options.seconds <= 120)) throw new Error("--seconds: 1..120");
    } else if (arg === "--settle") {
      options.settle = Number(value());
      if (!(options.settle >= 0 && options.settle <= 60)) throw new Error("--settle: 0..60");
    } else if (arg === "--full-crowd") options.light = false;
    else if (arg === "--history") options.history = Number(value());
    else if (arg === "--node-options") options.nodeOptions = value();
    else if (arg === "--out") options.out = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/** `--report FILE`: re-renders the tables of an earlier run without measuring again. */
function rerender(file: string): void {
  const doc = JSON.parse(readFileSync(file, "utf8")) as { results: ScenarioResult[] };
  process.stdout.write(summaryTable(doc.results) + "\n\n" + connectTable(doc.results) + "\n\n" + stepsTable(doc.results) + "\n");
  process.stdout.write(JSON.stringify(ratiosAgainstStock(doc.results), null, 1) + "\n");
}

async function main(): Promise<void> {
  const reportIndex = process.argv.indexOf("--report");
  if (reportIndex > 0) return rerender(process.argv[reportIndex + 1] ?? "");
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench:fanout: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const started = new Date();
  log(`modes ${options.modes.join(",")}; viewers ${options.viewers.join(",")}; window ${options.seconds}s; crowd ${options.light ? "light" : "full"}; ${cpus().length} CPUs${options.nodeOptions ? `; NODE_OPTIONS ${options.nodeOptions}` : ""}`);
  const results: ScenarioResult[] = [];
  const failures: Array<{ mode: Mode; error: string }> = [];
  for (const mode of options.modes) {
    try {
      results.push(
        await runScenario({
          mode,
          viewerCounts: options.viewers,
          windowSeconds: options.seconds,
          settleSeconds: options.settle,
          light: options.light,
          historyPackets: options.history,
          breakdownLoss: 0.1,
          log,
          ...(options.nodeOptions ? { nodeOptions: options.nodeOptions } : {}),
        }),
      );
    } catch (error) {
      log(`[${mode}] failed: ${(error as Error).stack ?? error}`);
      failures.push({ mode, error: (error as Error).message });
    }
  }
  const document = {
    benchmark: "fanout",
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    options,
    publisher: { packetsPerSecond: 250, payloadBytes: 1100, codec: "VP8", via: "RTP ingest" },
    targets: TARGETS,
    summaries: results.map(summarize),
    ratiosAgainstStock: ratiosAgainstStock(results),
    results,
    failures,
  };
  const file = options.out ?? join(RESULTS_DIR, `fanout-${started.toISOString().replace(/[:]/g, "-").slice(0, 19)}.json`);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, JSON.stringify(document, null, 2) + "\n");
  process.stdout.write(`\n## Fan-out benchmark (${document.machine.cpus} CPUs, ${options.light ? "light" : "full"} crowd, ${options.seconds}s windows)\n\n`);
  process.stdout.write(summaryTable(results) + "\n\n" + connectTable(results) + "\n\n" + stepsTable(results) + "\n\n");
  process.stdout.write(`JSON: ${file}\n`);
  if (failures.length) process.stdout.write(`FAILED modes: ${failures.map((f) => `${f.mode} (${f.error})`).join(", ")}\n`);
  process.exit(failures.length ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();

/**
 * The soak's options and its record (pure apart from writing the plot): command-line parsing,
 * the JSON document one run writes, the text printed at the end, and the plot drawn from the
 * document, so `--report FILE` gives the same table and SVG without running again.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderSoakPlot, type SoakPlotInput } from "./soakPlot.js";
import type { StatusReply } from "./soakProtocol.js";
import { heapPoints, soakTable, totalViewers, type SoakSample, type SoakSummary, type ViewerRecord } from "./soakSummary.js";
import type { Finding, Outcome, SlopeEstimate } from "./soakVerdict.js";

export interface SoakOptions {
  minutes: number;
  /** The target population: at most this many viewers at once. */
  viewers: number;
  restartEveryMin: number;
  lossyFraction: number;
  dropFraction: number;
  vanishFraction: number;
  seed: number;
  scrapeS: number;
  /** Also write the plot here (e.g. docs/soak.svg). */
  svg?: string;
}

export const SOAK_DEFAULTS: SoakOptions = { minutes: 30, viewers: 30, restartEveryMin: 3, lossyFraction: 1 / 3, dropFraction: 0.05, vanishFraction: 0.2, seed: 1, scrapeS: 5 };

/** Numeric flags: the option each sets and its allowed range. */
const NUMERIC: Record<string, [Exclude<keyof SoakOptions, "svg">, number, number]> = {
  "--minutes": ["minutes", 1, 24 * 60],
  "--viewers": ["viewers", 1, 500],
  "--restart-every": ["restartEveryMin", 0.5, 24 * 60],
  "--lossy": ["lossyFraction", 0, 1],
  "--drop": ["dropFraction", 0, 0.5],
  "--vanish": ["vanishFraction", 0, 1],
  "--seed": ["seed", 0, 2 ** 31],
  "--scrape": ["scrapeS", 1, 60],
};

/** Every error names the flag and what it accepts. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const o: SoakOptions = { ...SOAK_DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--svg") {
      o.svg = value;
      continue;
    }
    const spec = NUMERIC[flag];
    if (!spec) throw new Error(`unknown argument ${flag} (known: ${[...Object.keys(NUMERIC), "--svg"].join(", ")})`);
    const n = Number(value);
    if (!(n >= spec[1] && n <= spec[2])) throw new Error(`${flag}: a number in ${spec[1]}..${spec[2]}, got "${value}"`);
    o[spec[0]] = n;
  }
  return o;
}

export interface SoakDocument {
  benchmark: "soak";
  startedAt: string;
  options: SoakOptions;
  machine: { cpus: number; node: string };
  publisherPeerConnections: number;
  churnEndS: number;
  /** One per scrape during the churn: what the verdict judges. */
  samples: SoakSample[];
  /** After every viewer left, the node drained and GCs were forced. */
  final: SoakSample;
  restarts: number[];
  viewers: ViewerRecord[];
  crowd: Array<{ t: number } & StatusReply>;
  /** The node's log lines at warn level or above (the first 100), and how many there were. */
  nodeWarnings: { count: number; first: Array<Record<string, unknown>> };
  /** Heap profiles taken during the churn (sampled in-use bytes), and the sites whose bytes grew fastest over them. */
  heapProfiles: Array<{ t: number; sampledBytes: number }>;
  growingSites: GrowingSite[];
  slope?: SlopeEstimate;
  summary: SoakSummary;
  findings: Finding[];
  outcome: Outcome;
}

export interface GrowingSite {
  /** The first frame in media-node or werift code that allocated, with file and line. */
  site: string;
  bytesPerMin: number;
  r2: number;
  /** Its in-use bytes in the last profile. */
  lastBytes: number;
}

export function plotOf(doc: SoakDocument): SoakPlotInput {
  const slope = doc.slope;
  const points = heapPoints(doc.samples);
  const all = [...doc.samples, doc.final];
  const fitted = (s: SlopeEstimate, t: number): [number, number] => [t, (s.centre.bytes + (s.kbPerMin * 1000 * (t - s.centre.t)) / 60) / 1e6];
  return {
    title: `media node soak, ${doc.summary.minutes} min (${doc.startedAt.slice(0, 16)}Z): heap after GC, RSS, viewers`,
    heap: points.map((p) => [p.t, p.bytes / 1e6]),
    ...(slope && points.length ? { fit: [fitted(slope, points[0]!.t), fitted(slope, points.at(-1)!.t)] as [[number, number], [number, number]] } : {}),
    rss: all.map((s) => [s.t, s.rss / 1e6]),
    viewers: all.map((s) => [s.t, totalViewers(s)]),
    restartsS: doc.restarts,
    endS: doc.final.t,
  };
}

const MARK: Record<Outcome, string> = { Passed: "ok  ", Failed: "FAIL", Inconclusive: "??  " };

/** The table, what grew in the heap profiles, one line per finding, and the outcome. */
export function reportText(doc: SoakDocument): string {
  const sites = (doc.growingSites ?? []).slice(0, 5).map((g) => `  ${(g.bytesPerMin / 1000).toFixed(1).padStart(7)} KB/min (r² ${g.r2.toFixed(2)}, ${(g.lastBytes / 1e6).toFixed(2)} MB at the end)  ${g.site}`);
  const profiles = doc.heapProfiles ?? [];
  return [
    soakTable(doc.summary),
    "",
    ...(sites.length ? [`fastest-growing allocation sites over ${profiles.length} heap profiles (${Math.round(profiles[0]!.t)}–${Math.round(profiles.at(-1)!.t)} s):`, ...sites, ""] : []),
    ...doc.findings.map((f) => `${MARK[f.outcome]} ${f.what}`),
    "",
    `soak ${doc.outcome.toUpperCase()}`,
  ].join("\n");
}

export function writePlot(doc: SoakDocument, files: readonly string[]): void {
  const svg = renderSoakPlot(plotOf(doc));
  for (const file of files) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, svg + "\n");
  }
}

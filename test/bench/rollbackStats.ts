/**
 * The rollback benchmark's bookkeeping (pure): the confusion matrix of rollouts (what a revision
 * really was against the verdict the operator gave it), a summary of detection times, the
 * slowest leak caught within one window, the operator's per-pod memory gauges read for the
 * timeline, and a plain aligned table for the console.
 */
import { percentile } from "./stats.js";

export type Actual = "good" | "leaky";
export const VERDICTS = ["Passed", "Failed", "Inconclusive", "NoDecision"] as const;
export type VerdictColumn = (typeof VERDICTS)[number];

export type Confusion = Record<Actual, Record<VerdictColumn, number>>;

/** A phase the operator did not end with (still Running when the bench stopped waiting) is NoDecision. */
export function verdictColumn(phase: string | undefined): VerdictColumn {
  return phase === "Passed" || phase === "Failed" || phase === "Inconclusive" ? phase : "NoDecision";
}

export function confusionMatrix(outcomes: ReadonlyArray<{ actual: Actual; phase: string | undefined }>): Confusion {
  const row = () => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<VerdictColumn, number>;
  const matrix: Confusion = { good: row(), leaky: row() };
  for (const o of outcomes) matrix[o.actual][verdictColumn(o.phase)] += 1;
  return matrix;
}

/** False rollbacks: good revisions the operator failed. Missed leaks: leaky ones it passed. */
export function errorsOf(matrix: Confusion): { falseRollbacks: number; missedLeaks: number } {
  return { falseRollbacks: matrix.good.Failed, missedLeaks: matrix.leaky.Passed };
}

/** Markdown; the NoDecision column only when some rollout had none. */
export function formatConfusion(matrix: Confusion): string {
  const columns = VERDICTS.filter((v) => v !== "NoDecision" || matrix.good.NoDecision + matrix.leaky.NoDecision > 0);
  const lines = [`| actual \\ verdict | ${columns.join(" | ")} | total |`, `|---|${columns.map(() => "---:").join("|")}|---:|`];
  for (const actual of ["good", "leaky"] as const) {
    const total = VERDICTS.reduce((sum, v) => sum + matrix[actual][v], 0);
    lines.push(`| ${actual} | ${columns.map((v) => matrix[actual][v]).join(" | ")} | ${total} |`);
  }
  return lines.join("\n");
}

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { n: 0, min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return { n: finite.length, min: Math.min(...finite), median: percentile(finite, 50), max: Math.max(...finite) };
}

export const formatSummary = (s: Summary, unit = "s"): string =>
  s.n === 0 ? "—" : s.n === 1 ? `${s.median} ${unit}` : `median ${s.median} ${unit} (min ${s.min}, max ${s.max}, n=${s.n})`;

/** 1 MB = 10^6 bytes, as everywhere in the project's reports. */
export const bytesPerSecond = (mbPerMinute: number): number => (mbPerMinute * 1e6) / 60;

export interface LeakTrial {
  rateMbPerMin: number;
  phase: string | undefined;
  /** From canary and baseline Ready to the decision, seconds; undefined without one. */
  detectSeconds: number | undefined;
}

/** Caught within one window: Failed no later than window + one interval after both were Ready. */
export function caughtWithinWindow(trial: LeakTrial, windowSeconds: number, intervalSeconds: number): boolean {
  return trial.phase === "Failed" && trial.detectSeconds !== undefined && trial.detectSeconds <= windowSeconds + intervalSeconds;
}

/** The slowest rate caught within one window (undefined when none was). */
export function slowestCaught(trials: readonly LeakTrial[], windowSeconds: number, intervalSeconds: number): number | undefined {
  const caught = trials.filter((t) => caughtWithinWindow(t, windowSeconds, intervalSeconds)).map((t) => t.rateMbPerMin);
  return caught.length > 0 ? Math.min(...caught) : undefined;
}

export interface PodMemory {
  pod: string;
  role: string;
  bytes: number;
}

/** `mediafleet_pod_memory_bytes{...,mediaserver="name",pod=...,role=...}` from the operator's /metrics. */
export function podMemoryFromMetrics(text: string, mediaserver: string): PodMemory[] {
  const out: PodMemory[] = [];
  for (const line of text.split("\n")) {
    const match = /^mediafleet_pod_memory_bytes\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const bytes = Number(match[2]);
    if (labels.mediaserver !== mediaserver || !labels.pod || !Number.isFinite(bytes)) continue;
    out.push({ pod: labels.pod, role: labels.role ?? "?", bytes });
  }
  return out;
}

/** Two columns, the first padded: the console summary of every benchmark here. */
export function formatPairs(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n");
}

/**
 * Where the leaky rollouts go among the good ones: spread evenly, the k-th after good number
 * ceil(k·good/leaky), so the verdicts on good revisions are not all taken in one stretch.
 */
export function rolloutSchedule(good: number, leaky: number): Array<"good" | "leaky"> {
  const out: Array<"good" | "leaky"> = [];
  let placed = 0;
  for (let g = 1; g <= good; g++) {
    out.push("good");
    while (placed < leaky && g >= Math.ceil(((placed + 1) * good) / leaky)) {
      out.push("leaky");
      placed++;
    }
  }
  while (placed++ < leaky) out.push("leaky");
  return out;
}

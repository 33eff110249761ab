/**
 * Arithmetic of the scrape-cost benchmark (pure): CPU, bytes and wall time of scrape rounds
 * turned into cost per pod per interval, and the share of one core a fleet of that size costs
 * at a given scrape interval.
 */

export interface RoundMeasure {
  /** process.cpuUsage() difference over the round: user + system, microseconds. */
  cpuMicros: number;
  wallMs: number;
  pods: number;
  /** Bodies received in full (successful fetches) times their sizes. */
  bytesIn: number;
  errors: number;
}

export interface PerPodCost {
  rounds: number;
  pods: number;
  cpuMsPerPod: number;
  bytesInPerPod: number;
  /** Median wall time of one round of every pod. */
  wallMsPerRound: number;
  errors: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Totals over all rounds divided by rounds x pods (CPU and bytes); wall time as a median round. */
export function perPodCost(rounds: readonly RoundMeasure[]): PerPodCost {
  const podRounds = rounds.reduce((sum, r) => sum + r.pods, 0);
  const pods = rounds[0]?.pods ?? 0;
  if (podRounds === 0) return { rounds: rounds.length, pods, cpuMsPerPod: Number.NaN, bytesInPerPod: Number.NaN, wallMsPerRound: Number.NaN, errors: 0 };
  return {
    rounds: rounds.length,
    pods,
    cpuMsPerPod: rounds.reduce((sum, r) => sum + r.cpuMicros, 0) / 1000 / podRounds,
    bytesInPerPod: rounds.reduce((sum, r) => sum + r.bytesIn, 0) / podRounds,
    wallMsPerRound: median(rounds.map((r) => r.wallMs)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Percent of one core: `pods` scraped every `intervalSeconds`, each costing `cpuMsPerPod`. */
export function coreSharePercent(cpuMsPerPod: number, pods: number, intervalSeconds: number): number {
  return (100 * cpuMsPerPod * pods) / (intervalSeconds * 1000);
}

/** Heap held per pod: heapUsed after a full GC with the results held, minus before, per pod. */
export function heldPerPod(heapBefore: number, heapAfter: number, pods: number): number {
  return pods > 0 ? (heapAfter - heapBefore) / pods : Number.NaN;
}

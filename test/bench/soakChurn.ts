/**
 * The soak's churn, planned ahead (pure, seeded): who joins which path when, how long each
 * viewer lives, which ones are lossy and which ones vanish without a DELETE; and when the
 * RTP-ingest source restarts.
 *
 * The crowd is `target` slots. A slot holds at most one viewer at a time: its next viewer
 * joins `gapS` after the previous one left, so the population never exceeds the target
 * whatever the lifetimes. Slots start staggered over `rampS`, so the first viewers do not all
 * arrive (and later leave) in one burst. A lifetime is uniform in [minLifeS, maxLifeS]; near
 * the end it is drawn from [minLifeS, time left] instead, so every viewer is gone by
 * `durationS` (the leak check needs the node empty at the end) while the slots stay filled
 * almost to the end and no viewer lives less than minLifeS.
 */
import { seededRandom } from "../e2e/support/lossyRelay.js";

export interface ChurnOptions {
  seed: number;
  durationS: number;
  target: number;
  paths: readonly string[];
  minLifeS?: number;
  maxLifeS?: number;
  rampS?: number;
  gapS?: number;
  /** Share of viewers whose RTP goes through a dropping relay. */
  lossyFraction?: number;
  /** Share of viewers that leave by closing their connection without a DELETE (a closed tab). */
  vanishFraction?: number;
}

export type LeaveKind = "delete" | "vanish";

export interface PlannedViewer {
  id: string;
  slot: number;
  path: string;
  joinAtS: number;
  leaveAtS: number;
  lossy: boolean;
  leave: LeaveKind;
  /** Seed of this viewer's relay (which packets it drops), when lossy. */
  seed: number;
}

export type ChurnEvent = { atS: number; kind: "join" | "leave"; viewer: PlannedViewer };

const DEFAULTS = { minLifeS: 10, maxLifeS: 120, rampS: 20, gapS: 1, lossyFraction: 1 / 3, vanishFraction: 0.2 };

export function churnSchedule(options: ChurnOptions): PlannedViewer[] {
  const o = { ...DEFAULTS, ...options };
  if (!(o.minLifeS > 0 && o.maxLifeS >= o.minLifeS)) throw new RangeError(`lifetimes: need 0 < minLifeS <= maxLifeS, got ${o.minLifeS}..${o.maxLifeS}`);
  if (!(Number.isInteger(o.target) && o.target >= 1)) throw new RangeError(`target: a whole number >= 1, got ${o.target}`);
  if (o.paths.length === 0) throw new RangeError("paths: at least one");
  const random = seededRandom(o.seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const plan: PlannedViewer[] = [];
  for (let slot = 0; slot < o.target; slot++) {
    let at = (o.rampS * slot) / o.target;
    while (o.durationS - at >= o.minLifeS) {
      const life = uniform(o.minLifeS, Math.min(o.maxLifeS, o.durationS - at));
      plan.push({
        id: "",
        slot,
        path: o.paths[Math.floor(random() * o.paths.length)]!,
        joinAtS: at,
        leaveAtS: at + life,
        lossy: random() < o.lossyFraction,
        leave: random() < o.vanishFraction ? "vanish" : "delete",
        seed: Math.floor(random() * 0x7fffffff),
      });
      at += life + o.gapS;
    }
  }
  plan.sort((a, b) => a.joinAtS - b.joinAtS);
  plan.forEach((v, i) => (v.id = `v${i + 1}`));
  return plan;
}

/** Joins and leaves in time order; at the same instant a leave comes first (the slot frees). */
export function churnEvents(plan: readonly PlannedViewer[]): ChurnEvent[] {
  const events: ChurnEvent[] = plan.flatMap((viewer) => [
    { atS: viewer.joinAtS, kind: "join" as const, viewer },
    { atS: viewer.leaveAtS, kind: "leave" as const, viewer },
  ]);
  return events.sort((a, b) => a.atS - b.atS || (a.kind === b.kind ? 0 : a.kind === "leave" ? -1 : 1));
}

/** Viewers the plan has alive at `atS` (joined, not yet left). */
export function populationAt(plan: readonly PlannedViewer[], atS: number): number {
  return plan.filter((v) => v.joinAtS <= atS && atS < v.leaveAtS).length;
}

/** When the RTP source restarts: every `everyS`, never in the last `everyS / 2` (its effect would not be seen). */
export function restartTimes(durationS: number, everyS: number): number[] {
  if (!(everyS > 0)) return [];
  const times: number[] = [];
  for (let t = everyS; t <= durationS - everyS / 2; t += everyS) times.push(t);
  return times;
}

/**
 * When to take a heap profile: a minute in (the crowd is up), every `everyS`, and a minute before
 * the end (the crowd still up; in its last minute it thins out), so sites can be compared at the
 * same load over the run.
 */
export function profileTimes(durationS: number, everyS: number): number[] {
  const last = durationS - 60;
  if (last <= 60) return [];
  const times = [60];
  for (let t = everyS; t < last - everyS / 4; t += everyS) if (t > 60 + everyS / 4) times.push(t);
  times.push(last);
  return times;
}

/**
 * One rollout of the rollback benchmark: patch the MediaServer's image, wait for the canary and
 * the fresh baseline to be Ready, swing the viewers on both the same way (base -> base + extra ->
 * base, one WHEP session each in the viewer process), wait for the operator's verdict, then put
 * the world back where the next rollout can start: only the fleet left, on the last good image
 * (a revision that was not promoted is undone by patching the spec back to the last good image,
 * which needs no analysis).
 */
import { closeViewers, connectViewers } from "../e2e/support/rollout.js";
import type { TimelineMarker, TimelineSeries } from "./timeline.js";
import { podMemoryFromMetrics } from "./rollbackStats.js";
import { NAME, type BenchPod, type BenchWorld } from "./rollbackWorld.js";

/** "restore": a lean build rolled out over a missed (promoted) slow leak, outside the confusion matrix. */
export type RolloutKind = "good" | "leaky" | "slowleak" | "restore";

export interface RolloutPlan {
  index: number;
  kind: RolloutKind;
  image: string;
  rateMbPerMin?: number;
}

/** Viewers per pod: `base` from Ready, `extra` more from `upAtS`, back to `base` at `downAtS`. */
export interface LoadSwing {
  base: number;
  extra: number;
  upAtS: number;
  downAtS: number;
}

export interface RolloutResult extends RolloutPlan {
  from: string;
  phase: string;
  reason: string;
  message: string;
  /** status.analysis.readyAt -> finishedAt (whole seconds, as status keeps them). */
  readyToDecisionS?: number;
  /** The spec patch -> finishedAt. */
  rolloutToDecisionS?: number;
  samples: number;
  canaryMB?: number;
  baselineMB?: number;
  regressionPercent?: number;
  topGrowth: string[];
  /** Viewers per pod as they actually went, e.g. "2>6>2". */
  load: string;
  notes: string[];
  /** The series the operator judged (status.analysis.points): t from readyAt, bytes and viewers per pod. */
  points: unknown[];
  timeline?: { series: TimelineSeries[]; markers: TimelineMarker[] };
}

export interface RolloutOptions {
  swing: LoadSwing;
  windowS: number;
  replicas: number;
  /** Keep memory per pod (the operator's own gauges) and the moments, for an SVG. */
  record: boolean;
  progress: (line: string) => void;
}

const FINAL = new Set(["Passed", "Failed", "Inconclusive"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: unknown) => (typeof bytes === "number" ? Math.round(bytes / 1e5) / 10 : undefined);

/** Memory per pod over time (seconds since the rollout), from the operator's /metrics. */
class Recorder {
  readonly series = new Map<string, TimelineSeries>();
  readonly markers: TimelineMarker[] = [];
  private lastMs = 0;
  constructor(private readonly world: BenchWorld, private readonly startMs: number) {}

  mark(label: string, atMs = Date.now()): void {
    this.markers.push({ t: Math.round((atMs - this.startMs) / 100) / 10, label });
  }

  /** `present`: only these pods (the gauges of a removed pod keep its last value). */
  async sample(present?: Set<string>): Promise<void> {
    // One reading per scrape round is enough (the gauges change once per interval).
    if (Date.now() - this.lastMs < 1900) return;
    this.lastMs = Date.now();
    const text = await this.world.operator.metricsText().catch(() => "");
    const t = Math.round((Date.now() - this.startMs) / 100) / 10;
    for (const p of podMemoryFromMetrics(text, NAME)) {
      if (present && !present.has(p.pod)) continue;
      const s = this.series.get(p.pod) ?? { label: p.pod, role: p.role, points: [] };
      s.points.push([t, p.bytes]);
      this.series.set(p.pod, s);
    }
  }
}

async function canaryAndBaseline(world: BenchWorld, sinceMs: number, timeoutMs: number): Promise<[BenchPod, BenchPod]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = (await world.pods()).filter((p) => p.ready && p.ip && !p.deleting && (p.startMs ?? 0) >= sinceMs - 2000);
    const canary = pods.find((p) => p.role === "canary");
    const baseline = pods.find((p) => p.role === "baseline");
    if (canary && baseline) return [canary, baseline];
    if (Date.now() > deadline) throw new Error(`canary and baseline not Ready within ${timeoutMs} ms: ${JSON.stringify(await world.pods())}`);
    await sleep(250);
  }
}

export async function runRollout(world: BenchWorld, plan: RolloutPlan, options: RolloutOptions): Promise<RolloutResult> {
  const { swing } = options;
  const before = await world.mediaServer();
  const from = before.status?.lastGoodImage as string;
  const notes: string[] = [];
  // A good image the operator once rejected (a false rollback) is only analysed again on retry.
  const configHash = before.status?.lastGoodRevision?.configHash;
  const retry = ((before.status?.rejectedImages ?? []) as Array<{ image: string; configHash?: string }>).some((r) => r.image === plan.image && r.configHash === configHash);
  if (retry) notes.push("rejected before: rolled out with mediafleet.io/retry");
  const t0 = Date.now();
  const recorder = options.record ? new Recorder(world, t0) : undefined;
  await world.patchImage(plan.image, { retry });
  recorder?.mark(`rollout ${plan.image.replace(/^.*:/, "")}`);
  const pair = await canaryAndBaseline(world, t0, 120_000);
  const all: string[] = [];
  const connect = async (count: number): Promise<string[]> => {
    try {
      const ids = await connectViewers(world.clients, pair, count);
      all.push(...ids);
      return ids;
    } catch (error) {
      // The verdict may already have removed the pods: say so, go on to read it.
      notes.push(`viewers not connected: ${(error as Error).message.slice(0, 200)}`);
      return [];
    }
  };
  await connect(swing.base);
  const readyMs = Date.now();
  recorder?.mark("canary + baseline Ready", readyMs);
  const load = [swing.base];
  let extra: string[] | undefined;
  let swungDown = false;
  let analysis: any;
  const deadline = readyMs + (options.windowS + 120) * 1000;
  for (;;) {
    const ms = await world.mediaServer();
    const a = ms.status?.analysis;
    const ours = a && a.image === plan.image && Date.parse(a.startedAt) >= t0 - 2000;
    if (ours) analysis = a;
    if (ours && FINAL.has(a.phase)) break;
    if (Date.now() > deadline) {
      notes.push(`no verdict within ${options.windowS + 120} s of Ready`);
      break;
    }
    const elapsedS = (Date.now() - readyMs) / 1000;
    if (!extra && elapsedS >= swing.upAtS) {
      extra = await connect(swing.extra);
      const perPod = swing.base + extra.length / pair.length;
      load.push(perPod);
      recorder?.mark(`viewers ${swing.base}>${perPod}`);
    } else if (extra && !swungDown && elapsedS >= swing.downAtS) {
      await closeViewers(world.clients, extra);
      swungDown = true;
      load.push(swing.base);
      recorder?.mark(`viewers ${load.at(-2)}>${swing.base}`);
    }
    await recorder?.sample();
    await sleep(1000);
  }
  const finishedMs = analysis?.finishedAt ? Date.parse(analysis.finishedAt) : undefined;
  if (finishedMs !== undefined) recorder?.mark(analysis.phase === "Failed" ? "rolled back" : analysis.phase, finishedMs);
  // A few seconds past the decision, so the plot shows canary and baseline gone.
  for (let i = 0; recorder && i < 4; i++) {
    await sleep(2000);
    await recorder.sample(new Set((await world.pods()).filter((p) => !p.deleting).map((p) => p.name)));
  }
  await closeViewers(world.clients, all);

  const result: RolloutResult = {
    ...plan,
    from,
    phase: FINAL.has(analysis?.phase) ? analysis.phase : "NoDecision",
    reason: analysis?.reason ?? "",
    message: analysis?.message ?? "",
    ...(finishedMs !== undefined && analysis.readyAt ? { readyToDecisionS: (finishedMs - Date.parse(analysis.readyAt)) / 1000 } : {}),
    ...(finishedMs !== undefined ? { rolloutToDecisionS: Math.round((finishedMs - t0) / 100) / 10 } : {}),
    samples: analysis?.samples ?? 0,
    canaryMB: mb(analysis?.heapInuseBytes),
    baselineMB: mb(analysis?.baselineHeapInuseBytes),
    regressionPercent: analysis?.regressionPercent,
    topGrowth: ((analysis?.topGrowth ?? []) as Array<{ function: string; location?: string; growthBytes: number }>).slice(0, 3).map((g) => `${g.function} (${g.location ?? "?"}) +${mb(g.growthBytes)} MB`),
    load: load.join(">"),
    notes,
    points: analysis?.points ?? [],
  };

  // Back to a fleet-only world on the last good image before the next rollout starts.
  const lastGood = (await world.mediaServer()).status?.lastGoodImage as string;
  if (result.phase !== "Passed") await world.patchImage(lastGood);
  await world.waitSettled(lastGood, options.replicas, 180_000);
  if (recorder) {
    result.timeline = { series: [...recorder.series.values()], markers: recorder.markers };
  }
  return result;
}

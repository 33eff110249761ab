/**
 * Made-up but physically shaped memory series of one pod, for the verdict's tests and for
 * measuring its false-positive rate and sensitivity. Seeded, pure: the same seed gives the same
 * series.
 *
 * What it models (the facts the verdict must live with):
 *  - JS heap after the last major GC is a step function: it is the live heap sampled at each
 *    major GC (Poisson, mean `gcMeanSeconds`, independent per pod) plus a little floating
 *    garbage, and stays put between GCs, so a pod whose GC came late reads stale and then jumps;
 *  - the live heap = fixed + warm-up (1 − e^(−t/τ), shared by both pods) + a per-viewer cost +
 *    an optional leak;
 *  - external memory (Buffers) follows the viewers at the scrape with its own per-viewer cost,
 *    uniform noise and an optional leak;
 *  - viewers follow a shared profile (e.g. 20 -> 60 -> 20) scaled by the pod's share of new
 *    sessions and jittered by clients coming and going.
 */
import type { SeriesPoint } from "./types.js";

export const MB = 1e6;

export interface PodModel {
  fixedBytes: number;
  warmupBytes: number;
  warmupSeconds: number;
  heapPerViewer: number;
  externalPerViewer: number;
  /** Growth of the live JS heap, bytes per second (seen only through GC steps). */
  heapLeakPerSecond: number;
  /** Growth of external memory, bytes per second (seen at every scrape). */
  externalLeakPerSecond: number;
  gcMeanSeconds: number;
  /** Half-width of the uniform floating-garbage noise of each GC reading. */
  gcNoiseBytes: number;
  /** Half-width of the uniform noise of external memory at each scrape. */
  noiseBytes: number;
  /** This pod's share of sessions relative to the profile, e.g. +0.05 = 5 % more viewers. */
  share: number;
  /** Half-width of the integer jitter of viewers at each scrape. */
  viewerJitter: number;
}

/** A lean build: 60 MB fixed, 20 MB warm-up over ~1 min, 0.3 MB per viewer, GC every ~45 s. */
export const LEAN: PodModel = {
  fixedBytes: 60 * MB,
  warmupBytes: 20 * MB,
  warmupSeconds: 60,
  heapPerViewer: 0.1 * MB,
  externalPerViewer: 0.2 * MB,
  heapLeakPerSecond: 0,
  externalLeakPerSecond: 0,
  gcMeanSeconds: 45,
  gcNoiseBytes: 2 * MB,
  noiseBytes: 1.5 * MB,
  share: 0,
  viewerJitter: 2,
};

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Viewers rising linearly from `low` to `high` at mid-window and back. */
export const swing =
  (low: number, high: number, windowSeconds: number) =>
  (t: number): number =>
    low + (high - low) * (1 - Math.abs((2 * t) / windowSeconds - 1));

export const constantViewers = (n: number) => (): number => n;

export interface ScrapePlan {
  intervalSeconds: number;
  windowSeconds: number;
  viewers: (t: number) => number;
}

/** Scrapes at t = 0, interval, 2·interval, ... up to the window end inclusive. */
export function simulatePod(random: () => number, pod: PodModel, plan: ScrapePlan): SeriesPoint[] {
  const uniform = (half: number): number => (random() * 2 - 1) * half;
  const podViewers = (t: number): number => plan.viewers(t) * (1 + pod.share);
  const live = (t: number): number =>
    pod.fixedBytes + pod.warmupBytes * (1 - Math.exp(-t / pod.warmupSeconds)) + pod.heapPerViewer * podViewers(t) + pod.heapLeakPerSecond * t;
  // The last GC before the analysis started happened somewhere within one mean interval of it.
  const gcs: Array<{ t: number; bytes: number }> = [];
  for (let t = -random() * pod.gcMeanSeconds; t <= plan.windowSeconds; t += -Math.log(1 - random()) * pod.gcMeanSeconds) {
    gcs.push({ t, bytes: live(Math.max(0, t)) + uniform(pod.gcNoiseBytes) });
  }
  const points: SeriesPoint[] = [];
  const scrapes = Math.floor(plan.windowSeconds / plan.intervalSeconds + 1e-9);
  for (let i = 0; i <= scrapes; i++) {
    const t = i * plan.intervalSeconds;
    const heap = gcs.filter((gc) => gc.t <= t).at(-1)!.bytes;
    const viewers = Math.max(0, Math.round(podViewers(t) + uniform(pod.viewerJitter)));
    const external = pod.externalPerViewer * viewers + pod.externalLeakPerSecond * t + uniform(pod.noiseBytes);
    points.push({ t, bytes: heap + external, viewers });
  }
  return points;
}

/**
 * The rollout policy the reconciler asks before it applies anything: which revision the fleet
 * runs, whether a canary and a baseline run, and what status, conditions and events follow.
 * The decision itself is the pure `plan` (./plan.ts); this class adds the I/O around it:
 * the pods from the informer cache, the last good config from its ConfigMap, the pprof token,
 * and a scrape round of every pod of the MediaServer once per `rollback.interval`.
 */
import type { Logger } from "pino";
import { parse } from "yaml";
import type { MediaServer, MediaServerSpec, PathConfig, WebrtcConfig } from "../api/types.js";
import type { PodSample, ScrapeErrorReason } from "../analysis/types.js";
import { CONFIG_FILE_KEY, configHash, configMapName, METRICS_PORT, revisionOf, type Layout, type RevisionSource } from "../desired/index.js";
import type { KubeObject } from "../kube/objects.js";
import { parseDuration } from "../../common/duration.js";
import { RETRY_ANNOTATION } from "../api/types.js";
import type { ConditionInput } from "../api/conditions.js";
import type { ImageDecision, ImagePolicy, ImagePolicyInput } from "../reconcile/imagePolicy.js";
import { observePod, type PodObservation } from "./observe.js";
import { plan, type Plan, type ScrapeRound } from "./plan.js";
import { medianProfile } from "../analysis/profileMedian.js";
import type { ProfileSites } from "../analysis/siteDiff.js";
import { EventReasons } from "../api/conditions.js";

export interface ScrapeTarget {
  pod: string;
  ip: string;
  metricsPort: number;
  pprofPort: number;
  role: PodSample["role"];
  revision: string;
  podStartMs: number;
}

export interface ScrapeOutcome {
  sample?: PodSample;
  /** Totals of the heap profile, when it was read: its external memory is current, like its sites. */
  profile?: { externalBytes: number };
  errors: Array<{ pod: string; reason: ScrapeErrorReason; what: string; message: string }>;
}

export type ScrapeFn = (targets: ScrapeTarget[], options: { token?: string; timeoutMs: number }) => Promise<ScrapeOutcome[]>;

export interface RolloutPolicyOptions {
  /** Pods of one MediaServer (label app.kubernetes.io/instance=name), from the informer cache. */
  pods(namespace: string, name: string): KubeObject[];
  configMap(namespace: string, name: string): KubeObject | undefined;
  pprofToken(ms: MediaServer, spec: MediaServerSpec): Promise<string | undefined>;
  /** A pod answered 401 to the token: forget it, so the Secret is read again. */
  tokenRefused?(ms: MediaServer, spec: MediaServerSpec): void;
  /** The MediaServer is gone (drop what is kept about it elsewhere, e.g. its token). */
  forgotten?(namespace: string, name: string): void;
  scrape: ScrapeFn;
  logger: Logger;
  onRollback?: () => void;
  onScrapeError?: (reason: ScrapeErrorReason) => void;
  /** Every sample of every round (metrics for people: memory per pod and role). */
  onSamples?: (namespace: string, name: string, samples: PodSample[]) => void;
  now?: () => number;
}

interface KeyState {
  lastRoundMs: number;
  /** The last few heap profiles per pod (sites and the external memory at the same moment), newest last. */
  profiles: Map<string, ProfileSites[]>;
}

const SCRAPE_TIMEOUT_CAP_MS = 10_000;
/** Profiles per pod merged for topGrowth (medianProfile): enough to drop a one-off spike. */
const PROFILES_KEPT = 5;

export class RolloutPolicy implements ImagePolicy {
  private readonly state = new Map<string, KeyState>();
  private readonly now: () => number;

  constructor(private readonly options: RolloutPolicyOptions) {
    this.now = options.now ?? Date.now;
  }

  forget(namespace: string, name: string): void {
    this.state.delete(`${namespace}/${name}`);
    this.options.forgotten?.(namespace, name);
  }

  async decide({ ms, spec }: ImagePolicyInput): Promise<ImageDecision> {
    const namespace = ms.metadata.namespace ?? "default";
    const name = ms.metadata.name;
    const key = `${namespace}/${name}`;
    const state = this.state.get(key) ?? { lastRoundMs: 0, profiles: new Map() };
    this.state.set(key, state);
    const token = await this.options.pprofToken(ms, spec);
    const lastGood = ms.status?.lastGoodRevision;
    const lastGoodConfig = lastGood ? this.restoreConfig(namespace, name, lastGood.configHash) : undefined;
    const pods = this.options.pods(namespace, name).map((p) => observePod(p as never, { metricsPort: METRICS_PORT, pprofPort: spec.profiling.port }));
    const base = {
      spec,
      specRevision: revisionOf(spec, { image: spec.image }),
      status: ms.status,
      lastGoodRestorable: lastGoodConfig !== undefined,
      retry: ms.metadata.annotations?.[RETRY_ANNOTATION] !== undefined,
      pods,
    };
    const intervalMs = parseDuration(spec.rollback.interval);
    let decided = plan({ ...base, nowMs: this.now() });
    const events: ImageDecision["events"] = [];
    if (decided.scraping && this.now() - state.lastRoundMs >= intervalMs) {
      const round = await this.scrapeRound(namespace, name, pods, token, intervalMs, state, events, () => this.options.tokenRefused?.(ms, spec));
      decided = plan({ ...base, round, profiles: this.profilesFor(pods, state), nowMs: this.now() });
    }
    if (!decided.scraping) state.profiles.clear();
    if (decided.rolledBack) this.options.onRollback?.();
    const requeueAfterMs = decided.scraping || decided.canary ? Math.max(50, state.lastRoundMs + intervalMs - this.now()) : undefined;
    return {
      layout: this.layout(spec, decided, lastGood && lastGoodConfig ? { image: lastGood.image, config: lastGoodConfig } : undefined),
      conditions: decided.conditions as ConditionInput[],
      status: decided.status,
      events: [...decided.events, ...events],
      consumeRetry: decided.consumeRetry,
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    };
  }

  private layout(spec: MediaServerSpec, decided: Plan, lastGood: RevisionSource | undefined): Layout {
    const target: RevisionSource = { image: spec.image };
    const stable = decided.stable === "lastGood" && lastGood ? lastGood : target;
    return {
      stable,
      ...(decided.canary ? { canary: target } : {}),
      ...(decided.baseline && lastGood ? { baseline: lastGood } : {}),
      ...(decided.analysisId ? { analysisId: decided.analysisId } : {}),
    };
  }

  /** The last good config, from its content-addressed ConfigMap; undefined when gone or altered. */
  private restoreConfig(namespace: string, name: string, hash: string): { webrtc: WebrtcConfig; paths: PathConfig[] } | undefined {
    const cm = this.options.configMap(namespace, configMapName(name, hash)) as (KubeObject & { data?: Record<string, string> }) | undefined;
    const text = cm?.data?.[CONFIG_FILE_KEY];
    if (!cm?.data || text === undefined || configHash(cm.data) !== hash) return undefined;
    try {
      const doc = parse(text) as { webrtc?: WebrtcConfig; paths?: PathConfig[] };
      // A config written before tokens moved to Secrets may hold one inline: restoring it would
      // bring back a token that may have been revoked since. Such a revision is not restorable.
      if ((doc.paths ?? []).some((p) => p.publishToken !== undefined || p.readToken !== undefined)) return undefined;
      return doc.webrtc ? { webrtc: doc.webrtc, paths: doc.paths ?? [] } : undefined;
    } catch {
      return undefined;
    }
  }

  private profilesFor(pods: PodObservation[], state: KeyState) {
    const pick = (role: "canary" | "baseline") => {
      const pod = pods.find((p) => p.role === role && !p.deleting);
      return pod ? medianProfile(state.profiles.get(pod.name) ?? []) : undefined;
    };
    const canary = pick("canary");
    const baseline = pick("baseline");
    return { ...(canary ? { canary } : {}), ...(baseline ? { baseline } : {}) };
  }

  private async scrapeRound(namespace: string, name: string, pods: PodObservation[], token: string | undefined, intervalMs: number, state: KeyState, events: NonNullable<ImageDecision["events"]>, refused: () => void): Promise<ScrapeRound> {
    state.lastRoundMs = this.now();
    const targets: ScrapeTarget[] = pods
      .filter((p) => !p.deleting && p.ip && p.role && p.revision && p.startMs !== undefined)
      .map((p) => ({ pod: p.name, ip: p.ip!, metricsPort: p.metricsPort, pprofPort: p.pprofPort, role: p.role!, revision: p.revision!, podStartMs: p.startMs! }));
    const outcomes = targets.length > 0 ? await this.options.scrape(targets, { ...(token ? { token } : {}), timeoutMs: Math.min(SCRAPE_TIMEOUT_CAP_MS, Math.max(1000, intervalMs / 2)) }) : [];
    const samples: PodSample[] = [];
    const errors = outcomes.flatMap((o) => o.errors);
    for (const outcome of outcomes) {
      if (!outcome.sample) continue;
      samples.push(outcome.sample);
      // The profile's own external figure, not the after-GC one: sites and external then describe
      // the same moment, so external growth is attributed against live Buffer counts.
      if (outcome.sample.sites) {
        const kept = state.profiles.get(outcome.sample.pod) ?? [];
        kept.push({ sites: outcome.sample.sites, externalBytes: outcome.profile?.externalBytes ?? outcome.sample.externalBytes });
        state.profiles.set(outcome.sample.pod, kept.slice(-PROFILES_KEPT));
      }
    }
    for (const error of errors) this.options.onScrapeError?.(error.reason);
    if (errors.some((e) => e.reason === "unauthorized")) refused();
    // One event per round at most (a round is at most once per interval).
    if (errors.length > 0) {
      const summary = errors.slice(0, 4).map((e) => `${e.pod} ${e.what}: ${e.reason} (${e.message})`).join("; ");
      events.push({ type: "Warning", reason: EventReasons.ScrapeFailed, note: `${errors.length} scrape(s) failed: ${summary}${errors.length > 4 ? "; ..." : ""}. Missing data never counts as a regression` });
      this.options.logger.warn({ namespace, name, errors }, "scrape failed");
    }
    this.options.onSamples?.(namespace, name, samples);
    return { timeMs: this.now(), samples };
  }
}

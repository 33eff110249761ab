/**
 * Wiring of the MediaServer controller: informers (MediaServers, and the ConfigMaps,
 * Deployments, Services, NetworkPolicies and Pods labelled as ours), the work queue, the workers.
 * Informers run on every replica (a standby has a warm cache and takes over fast);
 * workers run only on the leader (`startWorkers`). Events on owned objects enqueue the
 * controlling MediaServer; a resync enqueues every MediaServer.
 */
import type { Logger } from "pino";
import { jsonEqual } from "../../common/canonicalJson.js";
import { API_VERSION, KIND, type MediaServer } from "../api/types.js";
import { MANAGED_BY } from "../desired/index.js";
import type { KubeClient } from "../kube/client.js";
import { isConflict } from "../kube/errors.js";
import { ResourceListWatch } from "../kube/listWatch.js";
import { controllerOwner, keyOf, splitKey, type KubeObject } from "../kube/objects.js";
import { Reflector } from "../kube/reflector.js";
import { CONFIGMAPS, DEPLOYMENTS, MEDIASERVERS, NETWORK_POLICIES, PODS, SERVICES, type ResourceType } from "../kube/resources.js";
import type { ImagePolicy } from "./imagePolicy.js";
import type { PodSample, ScrapeErrorReason } from "../analysis/types.js";
import { PprofTokens } from "../rollout/pprofToken.js";
import { RolloutPolicy, type ScrapeFn } from "../rollout/policy.js";
import { scrapeAll } from "../scrape/scraper.js";
import { realTimers, type Timers } from "../../common/timers.js";
import { WorkQueue } from "./queue.js";
import { MediaServerReconciler, type OwnedKind } from "./reconciler.js";
import { runWorkers, type ReconcileOutcome } from "./workers.js";

export const OWNED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

export interface ControllerOptions {
  kube: KubeClient;
  logger: Logger;
  /** Watch one namespace only; all namespaces when empty. */
  namespace?: string;
  /** Where the operator runs: admitted to the pods' metrics and pprof by each MediaServer's NetworkPolicy. */
  operatorNamespace?: string;
  workers?: number;
  resyncPeriodMs?: number;
  reportingInstance: string;
  /** Default: the rollout policy (canary analysis and rollback) with the real scraper. */
  imagePolicy?: ImagePolicy;
  /** Scrapes pods for the default policy (tests and benchmarks may replace it). */
  scrape?: ScrapeFn;
  onRollback?: () => void;
  onScrapeError?: (reason: ScrapeErrorReason) => void;
  onSamples?: (namespace: string, name: string, samples: PodSample[]) => void;
  timers?: Timers;
  onReconcile?: (outcome: ReconcileOutcome, durationMs: number) => void;
}

export class MediaServerController {
  readonly mediaServers: Reflector<MediaServer & KubeObject>;
  private readonly owned: Record<OwnedKind, Reflector<KubeObject>>;
  readonly pods: Reflector<KubeObject>;
  private readonly queue: WorkQueue;
  private readonly reconciler: MediaServerReconciler;
  private workersDone: Promise<void> | undefined;

  constructor(private readonly options: ControllerOptions) {
    const timers = options.timers ?? realTimers;
    const log = options.logger;
    const informer = <T extends KubeObject>(resource: ResourceType, labelSelector?: string, resyncPeriodMs = 0) =>
      new Reflector<T>(new ResourceListWatch<T>(options.kube.rest, resource, { namespace: options.namespace, labelSelector }), {
        timers,
        resyncPeriodMs,
        onError: (error, phase, retryInMs) => log.warn({ err: error, resource: resource.plural, phase, retryInMs }, "list/watch failed; retrying"),
      });
    this.mediaServers = informer<MediaServer & KubeObject>(MEDIASERVERS, undefined, options.resyncPeriodMs ?? 10 * 60_000);
    this.owned = {
      ConfigMap: informer(CONFIGMAPS, OWNED_SELECTOR),
      Deployment: informer(DEPLOYMENTS, OWNED_SELECTOR),
      Service: informer(SERVICES, OWNED_SELECTOR),
      NetworkPolicy: informer(NETWORK_POLICIES, OWNED_SELECTOR),
    };
    // Pods of our Deployments carry the selector labels, not managed-by; kept for the scrape layer.
    this.pods = informer(PODS, "app.kubernetes.io/name=media-node,app.kubernetes.io/instance");
    this.queue = new WorkQueue({ timers });
    const podsOf = (namespace: string, name: string) =>
      this.pods.list().filter((p) => p.metadata.namespace === namespace && p.metadata.labels?.["app.kubernetes.io/instance"] === name);
    const tokens = new PprofTokens(options.kube);
    const imagePolicy =
      options.imagePolicy ??
      new RolloutPolicy({
        pods: podsOf,
        configMap: (namespace, name) => this.owned.ConfigMap.get(namespace, name),
        pprofToken: (ms, spec) => tokens.tokenFor(ms, spec),
        tokenRefused: (ms, spec) => tokens.invalidate(ms, spec),
        forgotten: (namespace, name) => tokens.forget(namespace, name),
        scrape: options.scrape ?? ((targets, scrapeOptions) => scrapeAll(targets, { ...scrapeOptions, concurrency: 8 })),
        logger: log,
        ...(options.onRollback ? { onRollback: options.onRollback } : {}),
        ...(options.onScrapeError ? { onScrapeError: options.onScrapeError } : {}),
        ...(options.onSamples ? { onSamples: options.onSamples } : {}),
      });
    this.reconciler = new MediaServerReconciler({
      kube: options.kube,
      logger: log,
      reportingInstance: options.reportingInstance,
      imagePolicy,
      ...(options.operatorNamespace ? { operatorNamespace: options.operatorNamespace } : {}),
      cache: {
        mediaServer: (namespace, name) => this.mediaServers.get(namespace, name),
        owned: (kind, namespace, name) => this.owned[kind].get(namespace, name),
        ownedList: (kind, namespace) => this.owned[kind].list().filter((o) => o.metadata.namespace === namespace),
        pods: podsOf,
      },
    });
    this.mediaServers.onChange((change, object, old) => {
      // Our own status writes come back as updates; reconciling them is a no-op but not free of
      // CPU, so skip updates that changed neither generation, labels/annotations nor deletion.
      if (change === "update" && old && !metadataChanged(old, object)) return;
      this.queue.add(keyOf(object));
    });
    // A pod that becomes Ready, restarts or is OOM-killed moves an analysis on: reconcile its MediaServer.
    this.pods.onChange((_change, pod) => {
      const instance = pod.metadata.labels?.["app.kubernetes.io/instance"];
      if (instance && pod.metadata.namespace) this.queue.add(`${pod.metadata.namespace}/${instance}`);
    });
    for (const reflector of Object.values(this.owned)) {
      reflector.onChange((_change, object) => {
        const owner = controllerOwner(object, API_VERSION, KIND);
        if (owner) this.queue.add(`${object.metadata.namespace}/${owner.name}`);
      });
    }
  }

  private get reflectors(): Reflector<KubeObject>[] {
    return [this.mediaServers as unknown as Reflector<KubeObject>, ...Object.values(this.owned), this.pods];
  }

  startInformers(): void {
    for (const reflector of this.reflectors) reflector.start();
  }

  get synced(): boolean {
    return this.reflectors.every((r) => r.synced);
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.reflectors.map((r) => r.waitForSync()));
  }

  /** Leader only: reconcile every known MediaServer, then whatever changes. */
  startWorkers(): void {
    if (this.workersDone) return;
    const log = this.options.logger;
    this.workersDone = this.waitForSync().then(() => {
      for (const ms of this.mediaServers.list()) this.queue.add(keyOf(ms));
      return runWorkers(this.queue, this.options.workers ?? 16, (key) => {
        const { namespace, name } = splitKey(key);
        return this.reconciler.reconcile(namespace, name);
      }, {
        isConflict,
        now: () => performance.now(),
        onResult: (key, outcome, durationMs, error) => {
          this.options.onReconcile?.(outcome, durationMs);
          if (outcome === "success") return;
          const { namespace, name } = splitKey(key);
          const level = outcome === "conflict" ? "debug" : "error";
          log[level]({ namespace, name, err: error, outcome, failures: this.queue.failuresOf(key) }, "reconcile failed; will retry");
        },
      });
    });
  }

  get queueLength(): number {
    return this.queue.length;
  }

  /** Stops the workers (waiting for reconciles in flight) and the informers. */
  async stop(): Promise<void> {
    await this.queue.shutDown();
    await this.workersDone;
    await Promise.all(this.reflectors.map((r) => r.stop()));
  }
}

function metadataChanged(old: KubeObject, next: KubeObject): boolean {
  const a = old.metadata;
  const b = next.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !jsonEqual(a.labels ?? {}, b.labels ?? {}) ||
    !jsonEqual(a.annotations ?? {}, b.annotations ?? {}) ||
    a.uid !== b.uid
  );
}

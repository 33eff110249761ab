/**
 * Level-based reconcile of one MediaServer: read it from the cache (gone = done), validate,
 * let the image policy pick the image, server-side apply ConfigMap then Deployment and
 * Services, and write status only when it changed. Events mark transitions only, so an
 * object at rest costs no requests at all.
 */
import type { Logger } from "pino";
import { jsonEqual } from "../../common/canonicalJson.js";
import { ConditionTypes, EventReasons } from "../api/conditions.js";
import { RETRY_ANNOTATION, type MediaServer } from "../api/types.js";
import { formatProblems, validateMediaServer } from "../api/validate.js";
import { CONFIG_HASH_LABEL, configMapName, desiredObjects, keepRunningRuntime, selectorString, type DesiredObjects } from "../desired/index.js";
import type { ApplyOptions, EventInput } from "../kube/client.js";
import { isConflict, isNotFound, statusOf } from "../kube/errors.js";
import { controllerOwner, type KubeObject } from "../kube/objects.js";
import { CONFIGMAPS, DEPLOYMENTS, MEDIASERVERS, type ResourceType } from "../kube/resources.js";
import { ApplyMemory } from "./applyMemory.js";
import { isTransition } from "./conditions.js";
import { specImagePolicy, type ImagePolicy } from "./imagePolicy.js";
import { computeStatus, mergePatchOf, type DeploymentObservation, type ReconcileObservation } from "./status.js";
import type { ReconcileResult } from "./workers.js";

export type OwnedKind = "ConfigMap" | "Deployment" | "Service" | "NetworkPolicy";

export interface ReconcilerKube {
  apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T>;
  delete(resource: ResourceType, namespace: string, name: string, uid?: string): Promise<unknown>;
  patchMetadata<T extends KubeObject>(resource: ResourceType, namespace: string, name: string, metadata: Record<string, unknown>): Promise<T>;
  patchStatus<T extends KubeObject>(resource: ResourceType, namespace: string, name: string, status: unknown, resourceVersion?: string): Promise<T>;
  createEvent(input: EventInput): Promise<unknown>;
}

export interface ReconcilerCache {
  mediaServer(namespace: string, name: string): MediaServer | undefined;
  owned(kind: OwnedKind, namespace: string, name: string): KubeObject | undefined;
  /** Every cached object of a kind in a namespace (the caller filters by owner). */
  ownedList(kind: OwnedKind, namespace: string): KubeObject[];
  /** The pods of one MediaServer (label app.kubernetes.io/instance). */
  pods(namespace: string, name: string): KubeObject[];
}

export interface ReconcilerOptions {
  kube: ReconcilerKube;
  cache: ReconcilerCache;
  logger: Logger;
  /** Who reports the Events (pod name). */
  reportingInstance: string;
  imagePolicy?: ImagePolicy;
  /** The operator's own namespace: each MediaServer's NetworkPolicy admits it to metrics and pprof. */
  operatorNamespace?: string;
  now?: () => Date;
}

interface ApplyOutcome {
  created: string[];
  updated: string[];
  deleted: string[];
  /** The fleet's (stable) Deployment, as applied or cached. */
  deployment?: KubeObject;
}

const REPORTING_CONTROLLER = "mediafleet.io/operator";

export class MediaServerReconciler {
  private readonly memory = new ApplyMemory();
  /** Our own last status write per key, used until the cache catches up (see `current`). */
  private readonly written = new Map<string, { before: string | undefined; after: MediaServer }>();
  private readonly imagePolicy: ImagePolicy;
  private readonly now: () => Date;
  /**
   * MediaServers whose workload (ConfigMap + Deployment) went out in a first pass of its own,
   * with what that pass created (reported in the second pass's Event). Workload first: in a
   * burst of new MediaServers every Deployment is created before any Service, status or Event
   * competes with it at the API server; the rest follows when the key comes round again.
   */
  private readonly workloadFirst = new Map<string, string[]>();

  constructor(private readonly options: ReconcilerOptions) {
    this.imagePolicy = options.imagePolicy ?? specImagePolicy;
    this.now = options.now ?? (() => new Date());
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const key = `${namespace}/${name}`;
    const ms = this.current(key, namespace, name);
    const log = this.options.logger.child({ namespace, name });
    if (!ms || ms.metadata.deletionTimestamp) {
      // Gone (or going): owned objects are garbage-collected through their owner references.
      this.memory.forgetPrefix(`${key}|`);
      this.workloadFirst.delete(key);
      this.written.delete(key);
      this.imagePolicy.forget?.(namespace, name);
      return {};
    }
    const validation = validateMediaServer(ms);
    if (!validation.ok) {
      const message = formatProblems(validation.problems);
      log.warn({ problems: validation.problems }, "invalid MediaServer spec; nothing applied");
      const deployment = this.options.cache.owned("Deployment", namespace, name) as DeploymentObservation | undefined;
      await this.writeStatus(ms, { kind: "invalid", message, deployment }, [], log);
      return {}; // not retried: the spec has to change, and that change is a watch event
    }
    const spec = validation.spec;
    const decision = await this.imagePolicy.decide({ ms, spec });
    const desired = desiredObjects(ms, { layout: decision.layout, ...(this.options.operatorNamespace ? { operatorNamespace: this.options.operatorNamespace } : {}) });
    const cachedDeployment = this.options.cache.owned("Deployment", namespace, name) as (DeploymentObservation & KubeObject) | undefined;
    // A Deployment already running its revision keeps the runtime it started with (desired/runtime.ts).
    const liveDeployment = (name: string) => this.options.cache.ownedList("Deployment", namespace).find((d) => d.metadata.name === name) as unknown as Parameters<typeof keepRunningRuntime>[1];
    const deployments = [desired.stable, desired.canary, desired.baseline].flatMap((r) =>
      r ? [keepRunningRuntime(r.deployment, liveDeployment(r.deployment.metadata!.name!), spec) as unknown as KubeObject] : [],
    );
    const configMaps = desired.configMaps as unknown as KubeObject[];
    const networkPolicy = desired.networkPolicy as unknown as KubeObject;
    const firstPass = !cachedDeployment && !this.workloadFirst.has(key);
    const policyStatus = { ...decision.status, currentConfigHash: desired.stable.configHash };
    const image = desired.stable.image;
    let outcome: ApplyOutcome;
    try {
      outcome = firstPass
        ? await this.applyWorkload(key, ms, configMaps, networkPolicy, deployments[0]!, log)
        : await this.applyAll(key, ms, configMaps, deployments, [networkPolicy, ...([desired.service, desired.metricsService] as unknown as KubeObject[])], log);
      if (!firstPass) await this.removeUnwanted(key, ms, desired, decision.status?.lastGoodRevision?.configHash, outcome, log);
    } catch (error) {
      // A conflict (stale read, SSA field conflict) is transient: it gets no Degraded status.
      // Every error, this one included, is retried with per-key backoff by the queue.
      if (isConflict(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const observation: ReconcileObservation = { kind: "failed", message, image, deployment: cachedDeployment, desiredReplicas: spec.replicas };
      // An apply error is Degraded whatever the policy thinks of the analysis.
      const conditions = (decision.conditions ?? []).filter((c) => !(c.type === ConditionTypes.Degraded && c.status === "False"));
      await this.writeStatus(ms, observation, conditions, log, policyStatus).catch((statusError: unknown) => log.warn({ err: statusError }, "status write failed"));
      throw error;
    }
    if (firstPass) {
      this.workloadFirst.set(key, outcome.created);
      return { requeueAfterMs: 0 };
    }
    const earlier = this.workloadFirst.get(key);
    if (earlier?.length) {
      outcome.created.unshift(...earlier);
      this.workloadFirst.set(key, []);
    }
    // Events are best effort and need not hold up the status write. The policy's events describe
    // transitions its status records, so they go out only once that status is written (a first
    // pass or a conflict decides again, and would otherwise say the same thing twice).
    const events: Promise<void>[] = [];
    if (outcome.created.length > 0) events.push(this.emit(ms, "Normal", EventReasons.Created, `created ${outcome.created.join(", ")}`, log));
    if (outcome.updated.length > 0) events.push(this.emit(ms, "Normal", EventReasons.Updated, `updated ${outcome.updated.join(", ")}`, log));
    if (outcome.deleted.length > 0) events.push(this.emit(ms, "Normal", EventReasons.Deleted, `deleted ${outcome.deleted.join(", ")}`, log));
    const deployment = (outcome.deployment ?? cachedDeployment) as DeploymentObservation | undefined;
    await this.writeStatus(ms, { kind: "applied", image, deployment, desiredReplicas: spec.replicas }, decision.conditions ?? [], log, policyStatus);
    for (const event of decision.events ?? []) events.push(this.emit(ms, event.type, event.reason, event.note, log));
    // After the status that records the new analysis: removing the annotation first would change
    // the resourceVersion, fail that write, and the retry would be lost with the annotation.
    if (decision.consumeRetry) await this.consumeRetry(ms, log);
    await Promise.all(events);
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
  }

  /** Removes mediafleet.io/retry: the analysis it asked for has started (a second retry needs a new annotation). */
  private async consumeRetry(ms: MediaServer, log: Logger): Promise<void> {
    const { namespace = "", name } = ms.metadata;
    try {
      await this.options.kube.patchMetadata(MEDIASERVERS, namespace, name, { annotations: { [RETRY_ANNOTATION]: null } });
    } catch (error) {
      log.warn({ err: error }, "could not remove the retry annotation");
    }
  }

  /**
   * Canary and baseline Deployments the layout no longer has, and config ConfigMaps no revision
   * may come back to: not the layout's, not the last good one's, not one a live pod still mounts.
   */
  private async removeUnwanted(key: string, ms: MediaServer, desired: DesiredObjects, lastGoodHash: string | undefined, outcome: ApplyOutcome, log: Logger): Promise<void> {
    const { namespace = "", name } = ms.metadata;
    const owned = (kind: OwnedKind) => this.options.cache.ownedList(kind, namespace).filter((o) => controllerOwner(o, MEDIASERVERS.group, "MediaServer")?.uid === ms.metadata.uid);
    const wantedDeployments = new Set([desired.stable, desired.canary, desired.baseline].flatMap((r) => (r ? [r.deployment.metadata!.name!] : [])));
    const doomed: Array<{ kind: OwnedKind; object: KubeObject }> = owned("Deployment").filter((d) => !wantedDeployments.has(d.metadata.name) && !d.metadata.deletionTimestamp).map((object) => ({ kind: "Deployment" as const, object }));
    const keep = new Set(desired.configMaps.map((c) => c.metadata!.name!));
    if (lastGoodHash) keep.add(configMapName(name, lastGoodHash));
    for (const pod of this.options.cache.pods(namespace, name)) {
      for (const volume of (pod.spec as { volumes?: Array<{ configMap?: { name?: string } }> } | undefined)?.volumes ?? []) if (volume.configMap?.name) keep.add(volume.configMap.name);
    }
    // Only config ConfigMaps (the label) or the single one of earlier versions (<name>-config).
    const isConfig = (cm: KubeObject) => cm.metadata.labels?.[CONFIG_HASH_LABEL] !== undefined || cm.metadata.name === `${name}-config`;
    doomed.push(...owned("ConfigMap").filter((c) => isConfig(c) && !keep.has(c.metadata.name) && !c.metadata.deletionTimestamp).map((object) => ({ kind: "ConfigMap" as const, object })));
    for (const { kind, object } of doomed) {
      try {
        await this.options.kube.delete(kind === "Deployment" ? DEPLOYMENTS : CONFIGMAPS, namespace, object.metadata.name, object.metadata.uid);
        outcome.deleted.push(`${kind} ${object.metadata.name}`);
        this.memory.forgetPrefix(`${key}|${kind}/${object.metadata.name}`);
      } catch (error) {
        if (!isNotFound(error) && statusOf(error) !== 409) throw error;
      }
    }
    if (doomed.length > 0) log.debug({ deleted: outcome.deleted }, "removed objects no revision needs");
  }

  /** The cached MediaServer, or our own newer write if the cache has not seen it yet. */
  private current(key: string, namespace: string, name: string): MediaServer | undefined {
    const cached = this.options.cache.mediaServer(namespace, name);
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (cached && cached.metadata.resourceVersion === mine.before) return mine.after;
    this.written.delete(key);
    return cached;
  }

  /** ConfigMaps and the NetworkPolicy, then the fleet's Deployment: what the pods need (guarded from their start), nothing else. */
  private async applyWorkload(key: string, ms: MediaServer, configMaps: KubeObject[], networkPolicy: KubeObject, deployment: KubeObject, log: Logger): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { created: [], updated: [], deleted: [] };
    await Promise.all([...configMaps, networkPolicy].map((object) => this.applyOne(key, ms, object, outcome, log)));
    await this.applyOne(key, ms, deployment, outcome, log);
    return outcome;
  }

  private async applyAll(key: string, ms: MediaServer, configMaps: KubeObject[], deployments: KubeObject[], services: KubeObject[], log: Logger): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { created: [], updated: [], deleted: [] };
    // Deployments after the ConfigMaps: pods rolled for a new config must find it. The
    // Services depend on nothing and go alongside.
    const configFirst = (async () => {
      await Promise.all(configMaps.map((c) => this.applyOne(key, ms, c, outcome, log)));
      await Promise.all(deployments.map((d) => this.applyOne(key, ms, d, outcome, log)));
    })();
    const results = await Promise.allSettled([configFirst, ...services.map((object) => this.applyOne(key, ms, object, outcome, log))]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return outcome;
  }

  private async applyOne(key: string, ms: MediaServer, desired: KubeObject, outcome: ApplyOutcome, log: Logger): Promise<void> {
    const kind = desired.kind as OwnedKind;
    const { namespace = "", name } = desired.metadata;
    const live = this.options.cache.owned(kind, namespace, name);
    const id = `${key}|${kind}/${name}`;
    const label = `${kind} ${name}`;
    if (live) {
      const owner = controllerOwner(live, MEDIASERVERS.group, "MediaServer");
      if (owner?.uid !== ms.metadata.uid) throw new Error(`${label} exists and is not controlled by this MediaServer`);
    }
    const fleet = kind === "Deployment" && name === ms.metadata.name;
    if (!this.memory.needsApply(id, desired, live)) {
      if (fleet) outcome.deployment = live;
      return;
    }
    // Force only when the object is ours already; a stranger's object with our name must conflict, not be taken.
    const applied = await this.options.kube.apply(desired, { force: live !== undefined });
    this.memory.remember(id, desired, applied.metadata.resourceVersion);
    if (fleet) outcome.deployment = applied;
    if (!live) outcome.created.push(label);
    else if (live.metadata.resourceVersion !== applied.metadata.resourceVersion) outcome.updated.push(label);
    log.debug({ kind, object: name, changed: live?.metadata.resourceVersion !== applied.metadata.resourceVersion }, "applied");
  }

  private async writeStatus(
    ms: MediaServer,
    observation: ReconcileObservation,
    overrides: NonNullable<Parameters<typeof computeStatus>[0]["overrides"]>,
    log: Logger,
    policyStatus?: object,
  ): Promise<void> {
    const { namespace = "", name } = ms.metadata;
    const current = ms.status;
    const computed = computeStatus({
      current: policyStatus ? { ...current, ...policyStatus } : current,
      generation: ms.metadata.generation,
      observation,
      selector: selectorString(name),
      nowIso: this.now().toISOString().replace(/\.\d{3}Z$/, "Z"),
      overrides,
    });
    if (jsonEqual(computed, current)) return;
    const updated = await this.options.kube.patchStatus<MediaServer & KubeObject>(MEDIASERVERS, namespace, name, mergePatchOf(current ?? {}, computed), ms.metadata.resourceVersion);
    this.written.set(`${namespace}/${name}`, { before: ms.metadata.resourceVersion, after: updated });
    log.info({ conditions: Object.fromEntries((computed.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`])) }, "status updated");
    if (observation.kind !== "applied" && isTransition(current?.conditions, computed.conditions, ConditionTypes.Degraded)) {
      const reason = observation.kind === "invalid" ? EventReasons.InvalidSpec : EventReasons.ReconcileError;
      await this.emit(ms, "Warning", reason, observation.message, log);
    }
  }

  private async emit(ms: MediaServer, type: "Normal" | "Warning", reason: string, note: string, log: Logger): Promise<void> {
    const { namespace = "", name, uid, resourceVersion } = ms.metadata;
    try {
      await this.options.kube.createEvent({
        regarding: { apiVersion: ms.apiVersion, kind: ms.kind, name, namespace, uid, resourceVersion },
        type,
        reason,
        action: "Reconcile",
        note,
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.options.reportingInstance,
      });
    } catch (error) {
      log.warn({ err: error, reason }, "could not record event"); // events are best effort
    }
  }
}

/**
 * Level-based reconcile of one MediaServer: read it from the cache (gone = done), validate,
 * let the image policy pick the image, server-side apply ConfigMap then Deployment and
 * Services, and write status only when it changed. Events mark transitions only, so an
 * object at rest costs no requests at all.
 */
import type { Logger } from "pino";
import { ConditionTypes, EventReasons } from "../api/conditions.js";
import type { MediaServer } from "../api/types.js";
import { formatProblems, validateMediaServer } from "../api/validate.js";
import { desiredObjects, selectorString } from "../desired/index.js";
import type { ApplyOptions, EventInput } from "../kube/client.js";
import { isConflict } from "../kube/errors.js";
import { controllerOwner, type KubeObject } from "../kube/objects.js";
import { MEDIASERVERS, type ResourceType } from "../kube/resources.js";
import { ApplyMemory } from "./applyMemory.js";
import { isTransition } from "./conditions.js";
import { specImagePolicy, type ImagePolicy } from "./imagePolicy.js";
import { ReconcileEventReasons } from "./reasons.js";
import { computeStatus, jsonEqual, type DeploymentObservation, type ReconcileObservation } from "./status.js";
import type { ReconcileResult } from "./workers.js";

export type OwnedKind = "ConfigMap" | "Deployment" | "Service";

export interface ReconcilerKube {
  apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T>;
  patchStatus<T extends KubeObject>(resource: ResourceType, namespace: string, name: string, status: unknown, resourceVersion?: string): Promise<T>;
  createEvent(input: EventInput): Promise<unknown>;
}

export interface ReconcilerCache {
  mediaServer(namespace: string, name: string): MediaServer | undefined;
  owned(kind: OwnedKind, namespace: string, name: string): KubeObject | undefined;
}

export interface ReconcilerOptions {
  kube: ReconcilerKube;
  cache: ReconcilerCache;
  logger: Logger;
  /** Who reports the Events (pod name). */
  reportingInstance: string;
  imagePolicy?: ImagePolicy;
  now?: () => Date;
}

interface ApplyOutcome {
  created: string[];
  updated: string[];
  deployment?: KubeObject;
}

class NotOwnedError extends Error {}

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
    const cachedDeployment = this.options.cache.owned("Deployment", namespace, name) as (DeploymentObservation & KubeObject) | undefined;
    const decision = await this.imagePolicy.decide({ ms, spec, deployment: cachedDeployment });
    for (const event of decision.events ?? []) await this.emit(ms, event.type, event.reason, event.note, log);
    const desired = desiredObjects(ms, { imageOverride: decision.image });
    const firstPass = !cachedDeployment && !this.workloadFirst.has(key);
    let outcome: ApplyOutcome;
    try {
      outcome = firstPass
        ? await this.applyWorkload(key, ms, desired.configMap as unknown as KubeObject, desired.deployment as unknown as KubeObject, log)
        : await this.applyAll(key, ms, [desired.configMap, desired.service, desired.metricsService, desired.deployment] as unknown as KubeObject[], log);
    } catch (error) {
      if (isConflict(error) && !(error instanceof NotOwnedError)) throw error; // retried at once by the queue
      const message = error instanceof Error ? error.message : String(error);
      const observation: ReconcileObservation = { kind: "failed", message, image: decision.image, deployment: cachedDeployment, desiredReplicas: spec.replicas };
      await this.writeStatus(ms, observation, decision.conditions ?? [], log, decision.status).catch((statusError: unknown) => log.warn({ err: statusError }, "status write failed"));
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
    // Events are best effort and need not hold up the status write.
    const events: Promise<void>[] = [];
    if (outcome.created.length > 0) events.push(this.emit(ms, "Normal", ReconcileEventReasons.Created, `created ${outcome.created.join(", ")}`, log));
    if (outcome.updated.length > 0) events.push(this.emit(ms, "Normal", ReconcileEventReasons.Updated, `updated ${outcome.updated.join(", ")}`, log));
    const deployment = (outcome.deployment ?? cachedDeployment) as DeploymentObservation | undefined;
    await this.writeStatus(ms, { kind: "applied", image: decision.image, deployment, desiredReplicas: spec.replicas }, decision.conditions ?? [], log, decision.status);
    await Promise.all(events);
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
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

  /** ConfigMap then Deployment: what the pods need, and nothing else. */
  private async applyWorkload(key: string, ms: MediaServer, configMap: KubeObject, deployment: KubeObject, log: Logger): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { created: [], updated: [] };
    await this.applyOne(key, ms, configMap, outcome, log);
    await this.applyOne(key, ms, deployment, outcome, log);
    return outcome;
  }

  private async applyAll(key: string, ms: MediaServer, objects: KubeObject[], log: Logger): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { created: [], updated: [] };
    // The Deployment after the ConfigMap: pods rolled for a new config hash must find the new
    // config. The Services depend on nothing and go alongside.
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    const others = objects.filter((o) => o !== deployment);
    const configMapFirst = (async () => {
      await this.applyOne(key, ms, others.find((o) => o.kind === "ConfigMap")!, outcome, log);
      await this.applyOne(key, ms, deployment, outcome, log);
    })();
    const services = others.filter((o) => o.kind !== "ConfigMap").map((object) => this.applyOne(key, ms, object, outcome, log));
    const results = await Promise.allSettled([configMapFirst, ...services]);
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
      if (owner?.uid !== ms.metadata.uid) throw new NotOwnedError(`${label} exists and is not controlled by this MediaServer`);
    }
    if (!this.memory.needsApply(id, desired, live)) {
      if (kind === "Deployment") outcome.deployment = live;
      return;
    }
    // Force only when the object is ours already; a stranger's object with our name must conflict, not be taken.
    const applied = await this.options.kube.apply(desired, { force: live !== undefined });
    this.memory.remember(id, desired, applied.metadata.resourceVersion);
    if (kind === "Deployment") outcome.deployment = applied;
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
    const updated = await this.options.kube.patchStatus<MediaServer & KubeObject>(MEDIASERVERS, namespace, name, computed, ms.metadata.resourceVersion);
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

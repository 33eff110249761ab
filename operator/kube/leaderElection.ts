/**
 * Leader election on a coordination.k8s.io/v1 Lease. `run()` tries to acquire the lease
 * every retry period; once it holds it, calls `onStartedLeading` and renews every retry
 * period. If renewing keeps failing for the renew deadline (API server away, lease taken),
 * leadership is lost: `onStoppedLeading` runs and `run()` resolves with "lost". `stop()`
 * steps down on purpose and, when leading, releases the lease so a standby takes over at once.
 */
import { isAlreadyExists, isConflict, isNotFound } from "./errors.js";
import { microTime, type Lease, type LeaseSpec } from "./client.js";
import { claimedSpec, heldByOther, recordFingerprint, releasedSpec, validateTimings, type LeaseTimings } from "./leaseRules.js";
import type { Timers } from "../../common/timers.js";

export interface LeaseStore {
  getLease(namespace: string, name: string): Promise<Lease>;
  createLease(namespace: string, name: string, spec: LeaseSpec): Promise<Lease>;
  updateLease(lease: Lease): Promise<Lease>;
}

export interface LeaderElectorOptions extends LeaseTimings {
  namespace: string;
  name: string;
  identity: string;
  timers: Timers;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (error: unknown, phase: "acquire" | "renew" | "release") => void;
}

export type ElectionEnd = "lost" | "stopped";

export class LeaderElector {
  private observed: Lease | undefined;
  private observedFingerprint = "";
  private observedAt = 0;
  private lastLeader = "";
  private leading = false;
  private stopping = false;
  private wake: (() => void) | undefined;
  private running: Promise<ElectionEnd> | undefined;

  constructor(private readonly store: LeaseStore, private readonly options: LeaderElectorOptions) {
    validateTimings(options);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  run(): Promise<ElectionEnd> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops campaigning; a leader releases the lease first. Resolves when `run()` has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<ElectionEnd> {
    // Acquire.
    while (!this.stopping && !(await this.tryAcquireOrRenew("acquire"))) await this.sleep(this.jittered());
    if (this.stopping) return "stopped";
    this.leading = true;
    this.options.onStartedLeading();
    // Renew until the deadline passes without a successful renewal, or until stopped.
    let lastRenew = this.options.timers.now();
    while (!this.stopping) {
      await this.sleep(this.options.retryPeriodMs);
      if (this.stopping) break;
      const remaining = this.options.renewDeadlineMs - (this.options.timers.now() - lastRenew);
      if (await this.withDeadline(this.tryAcquireOrRenew("renew"), remaining)) {
        lastRenew = this.options.timers.now();
      } else if (this.options.timers.now() - lastRenew >= this.options.renewDeadlineMs) {
        this.leading = false;
        this.options.onStoppedLeading();
        return "lost";
      }
    }
    await this.release();
    this.leading = false;
    this.options.onStoppedLeading();
    return "stopped";
  }

  private async tryAcquireOrRenew(phase: "acquire" | "renew"): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs, timers } = this.options;
    const nowIso = microTime(new Date());
    let current: Lease;
    try {
      current = await this.store.getLease(namespace, name);
    } catch (error) {
      if (!isNotFound(error)) {
        this.options.onError?.(error, phase);
        return false;
      }
      try {
        this.remember(await this.store.createLease(namespace, name, claimedSpec(undefined, identity, leaseDurationMs, nowIso)));
        return true;
      } catch (createError) {
        if (!isAlreadyExists(createError)) this.options.onError?.(createError, phase);
        return false;
      }
    }
    this.remember(current);
    if (heldByOther(current.spec, identity, this.observedAt, timers.now())) return false;
    try {
      const updated = await this.store.updateLease({ ...current, spec: claimedSpec(current.spec, identity, leaseDurationMs, nowIso) });
      this.remember(updated);
      return true;
    } catch (error) {
      if (!isConflict(error)) this.options.onError?.(error, phase);
      return false;
    }
  }

  private remember(lease: Lease): void {
    const fingerprint = recordFingerprint(lease.spec);
    if (fingerprint !== this.observedFingerprint) {
      this.observedFingerprint = fingerprint;
      this.observedAt = this.options.timers.now();
    }
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder !== "" && holder !== this.lastLeader) {
      this.lastLeader = holder;
      this.options.onNewLeader?.(holder);
    }
  }

  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    try {
      this.observed = await this.store.updateLease({ ...lease, spec: releasedSpec(lease.spec, microTime(new Date())) });
    } catch (error) {
      this.options.onError?.(error, "release");
    }
  }

  /** A renewal stuck on a silent API server must not outlive the renew deadline. */
  private withDeadline(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    if (ms <= 0) return attempt.then(() => false);
    return new Promise((resolve) => {
      const handle = this.options.timers.setTimeout(() => resolve(false), ms);
      void attempt.then((ok) => {
        this.options.timers.clearTimeout(handle);
        resolve(ok);
      });
    });
  }

  /** client-go waits retryPeriod * (1 + up to 20%) between acquire attempts, so candidates spread out. */
  private jittered(): number {
    return this.options.retryPeriodMs * (1 + Math.random() * 0.2);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.options.timers.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.options.timers.clearTimeout(handle);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/**
 * The rules of Lease-based leader election (those of client-go's leaderelection), as pure
 * functions over a lease record and clocks.
 *
 * Expiry is judged on the LOCAL clock: a candidate notes when it last saw the record change
 * (`observedAt`) and treats the lease as free once `leaseDurationMs` passed without a change.
 * Comparing the holder's `renewTime` with our own clock would trust two clocks to agree.
 */
import type { LeaseSpec } from "./client.js";

export interface LeaseTimings {
  /** How long a lease holds without renewal (non-leaders wait this long before taking over). */
  leaseDurationMs: number;
  /** A leader that could not renew for this long gives up leadership. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
}

/** controller-runtime's defaults. */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export function validateTimings(timings: LeaseTimings): void {
  if (!(timings.retryPeriodMs > 0)) throw new RangeError("retry period must be positive");
  if (!(timings.renewDeadlineMs > timings.retryPeriodMs)) throw new RangeError("renew deadline must be longer than the retry period");
  if (!(timings.leaseDurationMs > timings.renewDeadlineMs)) throw new RangeError("lease duration must be longer than the renew deadline");
}

/** What of a lease record matters for "did it change?" (renewTime moves on every renewal). */
export function recordFingerprint(spec: LeaseSpec | undefined): string {
  return JSON.stringify([spec?.holderIdentity ?? "", spec?.renewTime ?? "", spec?.acquireTime ?? "", spec?.leaseTransitions ?? 0, spec?.leaseDurationSeconds ?? 0]);
}

/**
 * True when another candidate holds the lease and it has not yet expired by our clock.
 * An empty holder means released: free at once.
 */
export function heldByOther(spec: LeaseSpec | undefined, identity: string, observedAt: number, now: number): boolean {
  const holder = spec?.holderIdentity ?? "";
  if (holder === "" || holder === identity) return false;
  const durationMs = Math.max(1, spec?.leaseDurationSeconds ?? 0) * 1000;
  return observedAt + durationMs > now;
}

/** The record to write when `identity` acquires or renews. */
export function claimedSpec(current: LeaseSpec | undefined, identity: string, leaseDurationMs: number, nowIso: string): LeaseSpec {
  const renewing = (current?.holderIdentity ?? "") === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
    acquireTime: renewing ? current?.acquireTime ?? nowIso : nowIso,
    renewTime: nowIso,
    leaseTransitions: renewing ? current?.leaseTransitions ?? 0 : (current?.leaseTransitions ?? 0) + (current?.holderIdentity ? 1 : 0),
  };
}

/** The record to write when the leader steps down: no holder, so the next candidate need not wait. */
export function releasedSpec(current: LeaseSpec | undefined, nowIso: string): LeaseSpec {
  return {
    holderIdentity: null,
    leaseDurationSeconds: 1,
    acquireTime: null,
    renewTime: nowIso,
    leaseTransitions: current?.leaseTransitions ?? 0,
  };
}

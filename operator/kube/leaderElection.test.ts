import assert from "node:assert/strict";
import { test } from "node:test";
import type { Lease, LeaseSpec } from "./client.js";
import { KubeApiError } from "./errors.js";
import { LeaderElector, type LeaseStore } from "./leaderElection.js";
import { claimedSpec, heldByOther, releasedSpec, validateTimings } from "./leaseRules.js";
import { ManualTimers } from "../../common/manualTimers.js";

/** An in-memory Lease with the API server's optimistic concurrency (409 on a stale resourceVersion). */
class MemoryLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  private version = 0;
  failing = false;

  async getLease(): Promise<Lease> {
    if (this.failing) throw new Error("connect ECONNREFUSED");
    if (!this.lease) throw new KubeApiError(404, "NotFound", "not found", "get", "/leases/x");
    return structuredClone(this.lease);
  }

  async createLease(namespace: string, name: string, spec: LeaseSpec): Promise<Lease> {
    if (this.failing) throw new Error("connect ECONNREFUSED");
    if (this.lease) throw new KubeApiError(409, "AlreadyExists", "exists", "create", "/leases");
    this.lease = { metadata: { name, namespace, resourceVersion: String(++this.version) }, spec };
    return structuredClone(this.lease);
  }

  async updateLease(lease: Lease): Promise<Lease> {
    if (this.failing) throw new Error("connect ECONNREFUSED");
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new KubeApiError(409, "Conflict", "stale", "update", "/leases/x");
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

function candidate(store: LeaseStore, timers: ManualTimers, identity: string) {
  const log: string[] = [];
  const elector = new LeaderElector(store, {
    namespace: "ops",
    name: "mediafleet",
    identity,
    timers,
    leaseDurationMs: 4000,
    renewDeadlineMs: 3000,
    retryPeriodMs: 1000,
    onStartedLeading: () => log.push("started"),
    onStoppedLeading: () => log.push("stopped"),
  });
  return { elector, log };
}

async function advance(timers: ManualTimers, ms: number, step = 100) {
  for (let t = 0; t < ms; t += step) {
    timers.advance(step);
    await settle();
  }
}

test("heldByOther: another holder within the lease duration -> held; released or expired -> free", () => {
  const spec: LeaseSpec = { holderIdentity: "a", leaseDurationSeconds: 15 };
  assert.equal(heldByOther(spec, "b", 1000, 15_999), true);
  assert.equal(heldByOther(spec, "b", 1000, 16_000), false);
  assert.equal(heldByOther(spec, "a", 1000, 2000), false, "our own lease is never held by another");
  assert.equal(heldByOther({ ...spec, holderIdentity: null }, "b", 1000, 1001), false);
});

test("claimedSpec: a takeover counts a transition and resets acquireTime; a renewal keeps both", () => {
  const held = claimedSpec({ holderIdentity: "a", acquireTime: "t0", leaseTransitions: 2 }, "b", 15_000, "t1");
  assert.deepEqual(held, { holderIdentity: "b", leaseDurationSeconds: 15, acquireTime: "t1", renewTime: "t1", leaseTransitions: 3 });
  const renewed = claimedSpec(held, "b", 15_000, "t2");
  assert.equal(renewed.acquireTime, "t1");
  assert.equal(renewed.leaseTransitions, 3);
  assert.equal(releasedSpec(renewed, "t3").holderIdentity, null);
});

test("validateTimings: renew deadline not below lease duration -> RangeError", () => {
  assert.throws(() => validateTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }), RangeError);
  assert.throws(() => validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 1000, retryPeriodMs: 2000 }), RangeError);
});

/** Candidate "a" starts first (and leads), then "b" starts on the same store and clock. */
async function aLeadsThenBRuns() {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore();
  const a = candidate(store, timers, "a");
  const b = candidate(store, timers, "b");
  void a.elector.run();
  await settle();
  void b.elector.run();
  return { timers, store, a, b };
}

test("two candidates -> exactly one leads; the other takes over after the leader goes silent for the lease duration", async () => {
  const { timers, store, a, b } = await aLeadsThenBRuns();
  await advance(timers, 3000);
  assert.deepEqual([a.log, b.log], [["started"], []]);
  assert.equal(store.lease?.spec?.holderIdentity, "a");

  // "kill -9" a: it never renews again (its timers keep running but its store calls vanish).
  const silentStore: LeaseStore = { getLease: () => new Promise(() => {}), createLease: () => new Promise(() => {}), updateLease: () => new Promise(() => {}) };
  (a.elector as unknown as { store: LeaseStore }).store = silentStore;
  await advance(timers, 3500);
  assert.deepEqual(b.log, [], "b waits for the lease to expire");
  await advance(timers, 2500);
  assert.deepEqual(b.log, ["started"]);
  assert.equal(store.lease?.spec?.holderIdentity, "b");
  assert.equal(store.lease?.spec?.leaseTransitions, 1);
  assert.ok(a.log.includes("stopped"), "a gave up after its renew deadline");
  await b.elector.stop();
});

test("stop() of the leader -> lease released and the standby acquires without waiting the lease duration", async () => {
  const { timers, store, a, b } = await aLeadsThenBRuns();
  await advance(timers, 1500);
  await a.elector.stop();
  assert.equal(store.lease?.spec?.holderIdentity, null);
  assert.deepEqual(a.log, ["started", "stopped"]);
  await advance(timers, 1300);
  assert.deepEqual(b.log, ["started"]);
  await b.elector.stop();
});

test("API server unreachable longer than the renew deadline -> leader steps down with 'lost'", async () => {
  const timers = new ManualTimers();
  const store = new MemoryLeaseStore();
  const a = candidate(store, timers, "a");
  const ended = a.elector.run();
  await settle();
  assert.equal(a.elector.isLeader, true);
  store.failing = true;
  await advance(timers, 4500);
  assert.equal(await ended, "lost");
  assert.equal(a.elector.isLeader, false);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { ItemBackoff } from "./backoff.js";
import { ManualTimers } from "../../common/manualTimers.js";
import { WorkQueue } from "./queue.js";
import { runWorkers, type ReconcileOutcome } from "./workers.js";

test("add of a key already queued -> queued once", async () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  queue.add("ns/a");
  queue.add("ns/a");
  queue.add("ns/b");
  assert.equal(queue.length, 2);
  assert.equal(await queue.get(), "ns/a");
  assert.equal(await queue.get(), "ns/b");
});

test("add while the key is in flight -> handed out again only after done", async () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  queue.add("ns/a");
  const key = await queue.get();
  queue.add("ns/a");
  queue.add("ns/a");
  assert.equal(queue.length, 0, "a key in flight is not queued a second time");
  queue.done(key!);
  assert.equal(queue.length, 1);
  assert.equal(await queue.get(), "ns/a");
  queue.done("ns/a");
  assert.equal(queue.length, 0);
});

test("get on an empty queue -> waits for the next add", async () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  const pending = queue.get();
  queue.add("ns/late");
  assert.equal(await pending, "ns/late");
  assert.equal(queue.inFlight, 1);
});

test("addAfter -> queued when the delay passes; an earlier delay for the same key wins", () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  queue.addAfter("ns/a", 100);
  queue.addAfter("ns/a", 50);
  queue.addAfter("ns/a", 500);
  assert.equal(timers.pending, 1);
  timers.advance(49);
  assert.equal(queue.length, 0);
  timers.advance(1);
  assert.equal(queue.length, 1);
  timers.advance(1000);
  assert.equal(queue.length, 1, "the later delays were dropped, not queued again");
});

test("addRateLimited -> delays double from 5 ms up to the 1000 s cap; forget resets", () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  const delays = Array.from({ length: 20 }, () => queue.addRateLimited("ns/a"));
  assert.deepEqual(delays.slice(0, 4), [5, 10, 20, 40]);
  assert.equal(delays[19], 1_000_000);
  assert.equal(queue.failuresOf("ns/a"), 20);
  queue.forget("ns/a");
  assert.equal(queue.addRateLimited("ns/a"), 5);
});

test("ItemBackoff with base above the cap -> RangeError", () => {
  assert.throws(() => new ItemBackoff({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});

test("shutDown -> idle getters get undefined and it resolves after in-flight keys are done", async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  queue.add("ns/a");
  queue.add("ns/b");
  const held = await queue.get();
  queue.addAfter("ns/c", 10);
  let drained = false;
  const shutdown = queue.shutDown().then(() => {
    drained = true;
  });
  assert.equal(await queue.get(), undefined);
  queue.add("ns/d");
  assert.equal(queue.length, 0, "no adds after shutdown");
  assert.equal(timers.pending, 0, "pending delays are cancelled");
  await Promise.resolve();
  assert.equal(drained, false, "still waiting for the key in flight");
  queue.done(held!);
  await shutdown;
  assert.equal(drained, true);
});

function recordingHooks(timers: ManualTimers) {
  const results: Array<{ key: string; outcome: ReconcileOutcome }> = [];
  return {
    results,
    hooks: {
      isConflict: (error: unknown) => (error as { code?: number }).code === 409,
      onResult: (key: string, outcome: ReconcileOutcome) => results.push({ key, outcome }),
      now: () => timers.now(),
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("runWorkers: error -> retried with backoff, then success forgets the failures", async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  const { results, hooks } = recordingHooks(timers);
  let calls = 0;
  const running = runWorkers(queue, 2, async () => {
    calls += 1;
    if (calls === 1) throw Object.assign(new Error("conflict"), { code: 409 });
    if (calls === 2) throw new Error("boom");
  }, hooks);
  queue.add("ns/a");
  await settle();
  assert.equal(calls, 1);
  timers.advance(5);
  await settle();
  assert.equal(calls, 2);
  timers.advance(9);
  await settle();
  assert.equal(calls, 2, "second retry waits 10 ms");
  timers.advance(1);
  await settle();
  assert.equal(calls, 3);
  assert.deepEqual(results.map((r) => r.outcome), ["conflict", "error", "success"]);
  assert.equal(queue.failuresOf("ns/a"), 0);
  await queue.shutDown();
  await running;
});

test("runWorkers: requeueAfterMs -> reconciled again that much later, not before; no result -> not again", async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  const { results, hooks } = recordingHooks(timers);
  const running = runWorkers(queue, 1, async (key) => (key === "ns/poll" ? { requeueAfterMs: 1000 } : {}), hooks);
  queue.add("ns/once");
  queue.add("ns/poll");
  await settle();
  timers.advance(999);
  await settle();
  assert.equal(results.length, 2);
  timers.advance(1);
  await settle();
  assert.deepEqual(results, [
    { key: "ns/once", outcome: "success" },
    { key: "ns/poll", outcome: "success" },
    { key: "ns/poll", outcome: "success" },
  ]);
  await queue.shutDown();
  await running;
});

test("runWorkers: one key is never reconciled by two workers at once", async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  const { hooks } = recordingHooks(timers);
  let concurrent = 0;
  let maxConcurrent = 0;
  let calls = 0;
  const running = runWorkers(queue, 4, async () => {
    calls += 1;
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await settle();
    queue.add("ns/a"); // a watch event arriving mid-reconcile
    await settle();
    concurrent -= 1;
  }, hooks);
  queue.add("ns/a");
  for (let i = 0; i < 10; i += 1) await settle();
  await queue.shutDown();
  await running;
  assert.equal(maxConcurrent, 1);
  assert.ok(calls >= 2, "the add during the reconcile caused another pass");
});

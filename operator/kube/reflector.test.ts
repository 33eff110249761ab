import assert from "node:assert/strict";
import { test } from "node:test";
import { KubeApiError } from "./errors.js";
import type { KubeObject } from "./objects.js";
import { Reflector, type ChangeKind, type ListResult, type ListWatchSource, type WatchEventType } from "./reflector.js";
import { ManualTimers } from "../../common/manualTimers.js";

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });

/** A scripted source: each watch() call takes the next script entry. */
class ScriptedSource implements ListWatchSource<KubeObject> {
  readonly name = "things";
  lists: Array<ListResult<KubeObject>> = [];
  watches: Array<(emit: (type: WatchEventType, o: KubeObject) => void) => Promise<void>> = [];
  listCalls = 0;
  watchFrom: string[] = [];

  async list(): Promise<ListResult<KubeObject>> {
    this.listCalls += 1;
    const next = this.lists.shift();
    if (!next) throw new Error("list failed");
    return next;
  }

  async watch(rv: string, onEvent: (type: WatchEventType, o: KubeObject) => void, signal: AbortSignal): Promise<void> {
    this.watchFrom.push(rv);
    const script = this.watches.shift();
    if (script) return script(onEvent);
    // No script left: hang until aborted, like a quiet watch.
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
}

const settle = async () => {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

function record(reflector: Reflector<KubeObject>) {
  const seen: string[] = [];
  reflector.onChange((change: ChangeKind, o) => seen.push(`${change}:${o.metadata.name}@${o.metadata.resourceVersion}`));
  return seen;
}

test("list then watch -> store filled, watch resumes from the list's resourceVersion", async () => {
  const timers = new ManualTimers();
  const source = new ScriptedSource();
  source.lists.push({ items: [obj("a", "1")], resourceVersion: "5" });
  source.watches.push(async (emit) => {
    emit("ADDED", obj("b", "6"));
    emit("MODIFIED", obj("a", "7"));
    emit("BOOKMARK", obj("", "9"));
  });
  const reflector = new Reflector(source, { timers, resyncPeriodMs: 0 });
  const seen = record(reflector);
  reflector.start();
  await reflector.waitForSync();
  await settle();
  assert.deepEqual(seen, ["add:a@1", "add:b@6", "update:a@7"]);
  assert.deepEqual(source.watchFrom, ["5", "9"], "after a normal close the next watch starts at the bookmark");
  assert.equal(reflector.get("ns", "a")?.metadata.resourceVersion, "7");
  await reflector.stop();
});

test("watch fails with 410 Gone -> relist at once and diff: deletes and updates that were missed are emitted", async () => {
  const timers = new ManualTimers();
  const source = new ScriptedSource();
  source.lists.push({ items: [obj("a", "1"), obj("b", "2")], resourceVersion: "2" });
  source.lists.push({ items: [obj("a", "10")], resourceVersion: "10" });
  source.watches.push(async () => {
    throw new KubeApiError(410, "Expired", "too old resource version", "watch", "/things");
  });
  const reflector = new Reflector(source, { timers, resyncPeriodMs: 0 });
  const seen = record(reflector);
  reflector.start();
  await settle();
  assert.equal(source.listCalls, 2);
  assert.deepEqual(seen, ["add:a@1", "add:b@2", "update:a@10", "delete:b@2"]);
  assert.deepEqual(source.watchFrom, ["2", "10"]);
  await reflector.stop();
});

test("watch fails with another error -> retried with backoff from the same resourceVersion, store kept", async () => {
  const timers = new ManualTimers();
  const source = new ScriptedSource();
  source.lists.push({ items: [obj("a", "1")], resourceVersion: "3" });
  const boom = async () => {
    throw new Error("socket hang up");
  };
  source.watches.push(boom, boom);
  const delays: number[] = [];
  const reflector = new Reflector(source, { timers, resyncPeriodMs: 0, minBackoffMs: 100, onError: (_e, _p, ms) => delays.push(ms) });
  reflector.start();
  await settle();
  assert.deepEqual(delays, [100]);
  timers.advance(100);
  await settle();
  assert.deepEqual(delays, [100, 200]);
  timers.advance(200);
  await settle();
  assert.deepEqual(source.watchFrom, ["3", "3", "3"]);
  assert.equal(source.listCalls, 1, "no relist for an ordinary error");
  assert.equal(reflector.list().length, 1);
  await reflector.stop();
});

test("list fails -> not synced, retried with backoff until it works", async () => {
  const timers = new ManualTimers();
  const source = new ScriptedSource();
  const reflector = new Reflector(source, { timers, resyncPeriodMs: 0, minBackoffMs: 50 });
  reflector.start();
  await settle();
  assert.equal(reflector.synced, false);
  source.lists.push({ items: [], resourceVersion: "1" });
  timers.advance(50);
  await settle();
  assert.equal(reflector.synced, true);
  assert.equal(source.listCalls, 2);
  await reflector.stop();
});

test("resync period -> every cached object is handed out again without a request", async () => {
  const timers = new ManualTimers();
  const source = new ScriptedSource();
  source.lists.push({ items: [obj("a", "1"), obj("b", "1")], resourceVersion: "1" });
  const reflector = new Reflector(source, { timers, resyncPeriodMs: 60_000 });
  const seen = record(reflector);
  reflector.start();
  await settle();
  timers.advance(60_000);
  await settle();
  assert.deepEqual(seen.filter((s) => s.startsWith("resync")), ["resync:a@1", "resync:b@1"]);
  assert.equal(source.listCalls, 1);
  await reflector.stop();
});

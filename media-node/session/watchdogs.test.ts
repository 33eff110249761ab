import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualTimers } from "../../common/manualTimers.js";
import { checkIntervalMs, createWatchdogs } from "./watchdogs.js";

test("watchdogs: many sessions share one timer; a silent one ends once, an active one is kept", () => {
  const timers = new ManualTimers();
  const dogs = createWatchdogs({ timeoutMs: 4000, timers });
  const ended: string[] = [];
  let activeAt = 0;
  const silentAt = 0;
  const stops = Array.from({ length: 50 }, (_, i) => dogs.watch(() => activeAt, () => ended.push(`active-${i}`)));
  dogs.watch(() => silentAt, () => ended.push("silent"));
  assert.equal(timers.pending, 1, "51 sessions, one pending timer");

  for (let t = 0; t < 10; t++) {
    activeAt = timers.now();
    timers.advance(1000);
  }
  assert.deepEqual(ended, ["silent"], "the silent session ended exactly once, the active ones never");
  assert.equal(dogs.size(), 50);

  for (const stop of stops) stop();
  assert.equal(dogs.size(), 0);
  assert.equal(timers.pending, 0, "nothing watched: no timer keeps waking the loop");
});

test("watchdogs: a session ends within timeout + one check interval of its last activity", () => {
  const timers = new ManualTimers();
  const timeoutMs = 2000;
  const dogs = createWatchdogs({ timeoutMs, timers });
  let endedAt: number | undefined;
  dogs.watch(() => 0, () => (endedAt = timers.now()));
  timers.advance(timeoutMs);
  assert.equal(endedAt, undefined, "not before the timeout");
  timers.advance(checkIntervalMs(timeoutMs) + 1);
  assert.ok(endedAt !== undefined && endedAt > timeoutMs && endedAt <= timeoutMs + checkIntervalMs(timeoutMs), `ended at ${endedAt}`);
});

test("watchdogs: a handler that throws is reported and the others still end; close stops everything", () => {
  const timers = new ManualTimers();
  const errors: unknown[] = [];
  const dogs = createWatchdogs({ timeoutMs: 200, timers, onError: (e) => errors.push(e) });
  const ended: string[] = [];
  dogs.watch(() => 0, () => {
    throw new Error("boom");
  });
  dogs.watch(() => 0, () => ended.push("b"));
  timers.advance(300);
  assert.equal(errors.length, 1);
  assert.deepEqual(ended, ["b"]);

  dogs.watch(() => 0, () => ended.push("c"));
  dogs.close();
  timers.advance(1000);
  assert.deepEqual(ended, ["b"], "closed: nothing fires");
  assert.equal(timers.pending, 0);
  dogs.watch(() => 0, () => ended.push("d"));
  assert.equal(timers.pending, 0, "watch after close arms nothing");
});

test("check interval: a quarter of the timeout, between 50 ms and 1 s", () => {
  assert.equal(checkIntervalMs(100), 50);
  assert.equal(checkIntervalMs(2000), 500);
  assert.equal(checkIntervalMs(30_000), 1000);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { poll, pollFor } from "./poll.js";

const FAST = { intervalMs: 1 };

test("poll -> the first value ok accepts, sync or async probe", async () => {
  let calls = 0;
  assert.equal(await poll(() => ++calls, (n) => n === 3, 1000, "the third call", FAST), 3);
  assert.equal(await poll(async () => "ready", (s) => s === "ready", 1000, "ready"), "ready");
});

test("poll never satisfied -> throws after the timeout naming what and the last value", async () => {
  const started = Date.now();
  await assert.rejects(poll(() => ({ state: "connecting" }), () => false, 50, "the peer to connect", FAST), {
    message: 'timed out after 50 ms waiting for the peer to connect; last: {"state":"connecting"}',
  });
  assert.ok(Date.now() - started >= 50, "waited the whole timeout");
});

test("poll with a probe that throws -> fails at once by default; retryErrors keeps trying and reports the error", async () => {
  await assert.rejects(poll(() => Promise.reject(new Error("ECONNREFUSED")), () => true, 5000, "the server"), /^Error: ECONNREFUSED$/);
  let calls = 0;
  const probe = async () => {
    if (++calls < 3) throw new Error("not yet");
    return calls;
  };
  assert.equal(await poll(probe, (n) => n === 3, 1000, "the third call", { ...FAST, retryErrors: true }), 3);
  await assert.rejects(poll(() => Promise.reject(new Error("ECONNREFUSED")), () => true, 20, "the server", { ...FAST, retryErrors: true }), {
    message: "timed out after 20 ms waiting for the server; last error: ECONNREFUSED",
  });
});

test("poll with giveUp -> ends at once with its reason; onTimeout adds detail to the timeout error", async () => {
  let calls = 0;
  const started = Date.now();
  await assert.rejects(poll(() => ++calls, () => false, 10_000, "etcd to be ready", { giveUp: () => (calls >= 2 ? "it exited with 1" : undefined) }), {
    message: "gave up waiting for etcd to be ready: it exited with 1",
  });
  assert.equal(calls, 2);
  assert.ok(Date.now() - started < 5000, "did not wait for the timeout");
  await assert.rejects(poll(() => false, Boolean, 10, "x", { ...FAST, onTimeout: () => "log tail: boom" }), /waiting for x; last: false\nlog tail: boom$/);
});

test("poll describing a huge or circular value -> a bounded message", async () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  await assert.rejects(poll(() => circular, () => false, 5, "c", FAST), /last: \[object Object\]$/);
  const error = await poll(() => "x".repeat(10_000), () => false, 5, "s", FAST).catch((e: Error) => e);
  assert.ok(error instanceof Error && error.message.length < 2200, `message of ${String((error as Error).message.length)} chars`);
});

test("pollFor -> the first value that is neither undefined nor false", async () => {
  const values = [undefined, false, 0, 1];
  assert.equal(await pollFor(() => values.shift(), 1000, "a value", FAST), 0, "0 is a value");
  await assert.rejects(pollFor(() => undefined, 5, "a pod", FAST), /waiting for a pod; last: undefined$/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { canonical, canonicalJson, jsonEqual } from "./canonicalJson.js";

test("canonicalJson of objects written in different key orders -> the same text", () => {
  const a = { spec: { b: 1, a: [{ y: 2, x: 1 }] }, kind: "K" };
  const b = { kind: "K", spec: { a: [{ x: 1, y: 2 }], b: 1 } };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(canonicalJson(a), '{"kind":"K","spec":{"a":[{"x":1,"y":2}],"b":1}}');
});

test("canonicalJson keeps array order and drops undefined members", () => {
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  assert.equal(canonicalJson(undefined), "null");
});

test("canonical -> a sorted copy, the input left as it was", () => {
  const input = { z: { d: 1, c: 2 }, a: 0 };
  const sorted = canonical(input);
  assert.deepEqual(Object.keys(sorted), ["a", "z"]);
  assert.deepEqual(Object.keys(sorted.z), ["c", "d"]);
  assert.deepEqual(Object.keys(input), ["z", "a"]);
});

test("jsonEqual -> true for the same content in another key order, false for another value", () => {
  assert.ok(jsonEqual({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(!jsonEqual({ a: 1 }, { a: "1" }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
});

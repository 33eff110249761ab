import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration } from "./duration.js";

test("parseDuration of Go-style strings -> milliseconds", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1s"), 1000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
});

test("parseDuration of text that is not a duration -> RangeError naming it", () => {
  for (const text of ["", "10", "1x", "1s ", "s"]) assert.throws(() => parseDuration(text), { name: "RangeError", message: new RegExp(`"${text}"`) });
});

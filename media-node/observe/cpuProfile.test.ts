import { test } from "node:test";
import assert from "node:assert/strict";
import { parseProfileSeconds, DEFAULT_PROFILE_SECONDS } from "./cpuProfile.js";

test("parseProfileSeconds: missing -> Go's default, in range -> number, else a reason", () => {
  assert.equal(parseProfileSeconds(null), DEFAULT_PROFILE_SECONDS);
  assert.equal(parseProfileSeconds("1"), 1);
  assert.equal(parseProfileSeconds("60"), 60);
  assert.match(String(parseProfileSeconds("0")), /between 1 and 60/);
  assert.match(String(parseProfileSeconds("61")), /between 1 and 60/);
  assert.match(String(parseProfileSeconds("1.5")), /whole number/);
  assert.match(String(parseProfileSeconds("abc")), /whole number/);
});

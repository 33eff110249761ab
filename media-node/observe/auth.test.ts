import { test } from "node:test";
import assert from "node:assert/strict";
import { bearerAuthorized } from "./auth.js";

test("bearerAuthorized without a configured token -> everyone passes", () => {
  assert.equal(bearerAuthorized(undefined, undefined), true);
  assert.equal(bearerAuthorized("Bearer x", ""), true);
});

test("bearerAuthorized with a token -> only the exact bearer value passes", () => {
  assert.equal(bearerAuthorized("Bearer s3cret", "s3cret"), true);
  assert.equal(bearerAuthorized("bearer s3cret", "s3cret"), true);
  assert.equal(bearerAuthorized(undefined, "s3cret"), false);
  assert.equal(bearerAuthorized("Bearer s3cre", "s3cret"), false);
  assert.equal(bearerAuthorized("Bearer s3crett", "s3cret"), false);
  assert.equal(bearerAuthorized("Basic s3cret", "s3cret"), false);
  assert.equal(bearerAuthorized("s3cret", "s3cret"), false);
});

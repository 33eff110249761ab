import { test } from "node:test";
import assert from "node:assert/strict";
import { checkBearer } from "./auth.js";
import { HttpError } from "./errors.js";

const status = (fn: () => void) => {
  try {
    fn();
    return 200;
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error.status;
  }
};

test("checkBearer: no token configured -> open; missing -> 401; wrong -> 403; right -> ok", () => {
  assert.equal(status(() => checkBearer(undefined, undefined, "cam")), 200);
  assert.equal(status(() => checkBearer(undefined, "s3cret", "cam")), 401);
  assert.equal(status(() => checkBearer("Basic abc", "s3cret", "cam")), 401);
  assert.equal(status(() => checkBearer("Bearer nope", "s3cret", "cam")), 403);
  assert.equal(status(() => checkBearer("Bearer s3cret", "s3cret", "cam")), 200);
  assert.equal(status(() => checkBearer("bearer s3cret", "s3cret", "cam")), 200);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRateLimiter } from "./rateLimit.js";

test("createRateLimiter lets one request through per interval", () => {
  let t = 1000;
  const limiter = createRateLimiter(500, () => t);
  assert.equal(limiter.tryAcquire(), true);
  assert.equal(limiter.tryAcquire(), false);
  t += 499;
  assert.equal(limiter.tryAcquire(), false);
  t += 1;
  assert.equal(limiter.tryAcquire(), true);
});

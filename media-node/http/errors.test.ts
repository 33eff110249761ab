import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ERROR_CATALOGUE, HttpError, toHttpError, type ErrorCode } from "./errors.js";

test("every error code is documented in the catalogue table with its status", () => {
  const source = readFileSync(new URL("./errors.ts", import.meta.url), "utf8");
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    const row = new RegExp(`^ \\* \\| ${code}\\s+\\| ${status}\\s+\\|`, "m");
    assert.match(source, row, `${code} (${status}) missing from the table in errors.ts`);
  }
});

test("HttpError carries the catalogue status and code; unknown errors become INTERNAL", () => {
  const e = new HttpError("NO_PUBLISHER", "cam1", { "Retry-After": "2" });
  assert.equal(e.status, 409);
  assert.equal(e.code, "NO_PUBLISHER" satisfies ErrorCode);
  assert.match(e.message, /cam1/);
  const wrapped = toHttpError(new TypeError("boom"));
  assert.equal(wrapped.status, 500);
  assert.ok(wrapped.cause instanceof TypeError);
});

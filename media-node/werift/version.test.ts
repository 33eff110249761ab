import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { installedWeriftVersion } from "./version.js";

test("installedWeriftVersion -> the version in werift's package.json", () => {
  const pinned = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> }).dependencies.werift;
  assert.equal(installedWeriftVersion(), pinned);
});

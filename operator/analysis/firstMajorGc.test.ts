import assert from "node:assert/strict";
import { test } from "node:test";
import { afterFirstMajorGc, beforeFirstMajorGc } from "./firstMajorGc.js";

test("afterFirstMajorGc: 0 major GCs -> false; 1 or more -> true; a node that does not export the count -> true (counted as before)", () => {
  assert.equal(afterFirstMajorGc({ majorGcs: 0 }), false);
  assert.equal(afterFirstMajorGc({ majorGcs: 1 }), true);
  assert.equal(afterFirstMajorGc({ majorGcs: 40 }), true);
  assert.equal(afterFirstMajorGc({}), true);
});

test("beforeFirstMajorGc names every pod still before its first major GC, and nothing when all have run one", () => {
  const canary = { pod: "fleet-canary-x", role: "canary" as const };
  const baseline = { pod: "fleet-baseline-y", role: "baseline" as const };
  assert.equal(beforeFirstMajorGc([{ ...canary, majorGcs: 2 }, { ...baseline, majorGcs: 1 }]), undefined);
  assert.equal(beforeFirstMajorGc([{ ...canary }, { ...baseline }]), undefined);
  assert.match(beforeFirstMajorGc([{ ...canary, majorGcs: 0 }, { ...baseline, majorGcs: 3 }])!, /^the canary \(fleet-canary-x\) had run no major GC yet \(.*garbage included/);
  assert.match(beforeFirstMajorGc([{ ...canary, majorGcs: 0 }, { ...baseline, majorGcs: 0 }])!, /^the canary \(fleet-canary-x\) and the baseline \(fleet-baseline-y\) had run no major GC yet/);
});

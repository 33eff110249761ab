import assert from "node:assert/strict";
import { test } from "node:test";
import { CandidateGate, actionFor } from "./candidateGate.js";

test("actionFor -> per mode for .local, pass for addresses", () => {
  assert.equal(actionFor("x.local", "off"), "ignore");
  assert.equal(actionFor("x.local", "shared"), "resolveShared");
  assert.equal(actionFor("x.local", "perConnection"), "resolveWerift");
  for (const mode of ["off", "shared", "perConnection"] as const) assert.equal(actionFor("127.0.0.1", mode), "pass");
});

test("end-of-candidates with a usable candidate -> pass", () => {
  const g = new CandidateGate();
  g.candidateUsable();
  assert.equal(g.endOfCandidates(), "pass");
});

test("end-of-candidates with nothing usable -> withhold (peer-reflexive pairs still form)", () => {
  assert.equal(new CandidateGate().endOfCandidates(), "withhold");
});

test("end-of-candidates during a lookup -> defer, then pass once it resolves", () => {
  const g = new CandidateGate();
  g.lookupStarted();
  g.lookupStarted();
  assert.equal(g.endOfCandidates(), "defer");
  assert.equal(g.lookupFinished(true), undefined, "one lookup still running");
  assert.equal(g.lookupFinished(false), "pass");
});

test("end-of-candidates during a lookup that fails -> withhold", () => {
  const g = new CandidateGate();
  g.lookupStarted();
  assert.equal(g.endOfCandidates(), "defer");
  assert.equal(g.lookupFinished(false), "withhold");
});

test("lookup finishing without a pending end -> nothing to do", () => {
  const g = new CandidateGate();
  g.lookupStarted();
  assert.equal(g.lookupFinished(true), undefined);
  assert.equal(g.endOfCandidates(), "pass");
});

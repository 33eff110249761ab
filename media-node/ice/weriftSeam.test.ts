import assert from "node:assert/strict";
import { test } from "node:test";
import { Connection, StunProtocol } from "werift";
import { WeriftSeamError, installWeriftSeam, weriftShapeProblems } from "./weriftSeam.js";

// This file fails when an upgrade of werift moves what the seam hooks: read weriftSeam.ts before "fixing" it.

test("installed werift -> every assumption of the seam holds", () => {
  assert.deepEqual(weriftShapeProblems(), []);
});

test("a werift without Connection.prototype.ensureProtocol -> the problem is named", (t) => {
  const proto = Connection.prototype as unknown as Record<string, unknown>;
  const saved = proto.ensureProtocol;
  t.after(() => {
    proto.ensureProtocol = saved;
  });
  delete proto.ensureProtocol;
  assert.ok(weriftShapeProblems().some((p) => p.includes("Connection.prototype.ensureProtocol is not a function")));
});

test("a werift that binds before ensureProtocol -> the problem is named", (t) => {
  const proto = Connection.prototype as unknown as Record<string, unknown>;
  const saved = proto.getCandidatePromises;
  t.after(() => {
    proto.getCandidatePromises = saved;
  });
  proto.getCandidatePromises = function (this: { p: { connectionMade(): void }; ensureProtocol(x: unknown): void }) {
    this.p.connectionMade();
    this.ensureProtocol(this.p);
  };
  assert.ok(weriftShapeProblems().some((p) => p.includes("no longer calls ensureProtocol(protocol) before protocol.connectionMade()")));
});

test("a StunProtocol whose connectionMade moved to the prototype -> the problem is named", (t) => {
  const proto = StunProtocol.prototype as unknown as Record<string, unknown>;
  const saved = proto.datagramReceived;
  t.after(() => {
    proto.datagramReceived = saved;
  });
  delete proto.datagramReceived;
  assert.ok(weriftShapeProblems().some((p) => p.includes("StunProtocol.prototype.datagramReceived")));
});

test("WeriftSeamError -> stable code, names versions and every problem", () => {
  const err = new WeriftSeamError(["a is gone", "b moved"]);
  assert.equal(err.code, "ICE_WERIFT_SEAM");
  assert.match(err.message, /werift 0\.25\.2 \(written for 0\.25\.2\)/);
  assert.match(err.message, /a is gone\n - b moved/);
});

test("installWeriftSeam twice -> wraps once", () => {
  installWeriftSeam();
  const after1 = (Connection.prototype as unknown as Record<string, unknown>).ensureProtocol;
  installWeriftSeam();
  assert.equal((Connection.prototype as unknown as Record<string, unknown>).ensureProtocol, after1);
});

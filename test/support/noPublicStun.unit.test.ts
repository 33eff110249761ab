import { test } from "node:test";
import assert from "node:assert/strict";
import "./noPublicStun.js";
import { Connection } from "werift";

test("a werift ICE agent without a configured STUN server gets none (no stun.l.google.com)", () => {
  const agent = new Connection(true, {}) as unknown as { stunServer?: unknown };
  assert.equal(agent.stunServer, undefined);
});

test("a configured STUN server is kept", () => {
  const agent = new Connection(true, { stunServer: ["127.0.0.1", 3478] }) as unknown as { stunServer?: unknown };
  assert.deepEqual(agent.stunServer, ["127.0.0.1", 3478]);
});

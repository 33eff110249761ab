/**
 * The "ice-shared-port" seam: fits the installed werift; a werift whose shape moved is named by
 * the check (doctored copies passed in, the real classes untouched); installing wraps once; the
 * wrap leaves every agent that is not an endpoint's to werift, and each endpoint's agents to
 * their own policy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as werift from "werift";
import { Connection, RTCIceGatherer } from "werift";
import { WeriftSeamError } from "./errors.js";
import { iceSeamProblems, installIceSeam, policyMarker, type AgentPolicy } from "./ice.js";

/** A subclass whose prototype shadows `name` with `value`: the installed class stays as it is. */
function withPrototype<T extends abstract new (...args: never[]) => object>(base: T, name: string, value: unknown): T {
  const doctored = class extends (base as unknown as new (...args: unknown[]) => object) {} as unknown as T;
  Object.defineProperty(doctored.prototype, name, { value, configurable: true, writable: true });
  return doctored;
}

test("installed werift -> every assumption of the ICE seam holds", () => {
  assert.deepEqual(iceSeamProblems(werift), []);
});

test("a werift without Connection.prototype.ensureProtocol -> the problem is named", () => {
  const problems = iceSeamProblems({ ...werift, Connection: withPrototype(Connection, "ensureProtocol", undefined) });
  assert.ok(problems.some((p) => p.includes("Connection.prototype.ensureProtocol is not a function")), problems.join("; "));
});

test("a werift that binds before ensureProtocol -> the problem is named", () => {
  const bindsFirst = function (this: { p: { connectionMade(): void }; ensureProtocol(x: unknown): void }) {
    this.p.connectionMade();
    this.ensureProtocol(this.p);
  };
  const problems = iceSeamProblems({ ...werift, Connection: withPrototype(Connection, "getCandidatePromises", bindsFirst) });
  assert.ok(problems.some((p) => p.includes("no longer calls ensureProtocol(protocol) before protocol.connectionMade()")), problems.join("; "));
});

test("a StunProtocol without datagramReceived, or whose connectionMade moved to the prototype -> named", () => {
  class MovedStun extends werift.StunProtocol {
    constructor() {
      super();
      delete (this as unknown as Record<string, unknown>).connectionMade;
    }
  }
  const problems = iceSeamProblems({ ...werift, StunProtocol: withPrototype(MovedStun, "datagramReceived", undefined) });
  assert.ok(problems.some((p) => p.includes("StunProtocol.prototype.datagramReceived")), problems.join("; "));
  assert.ok(problems.some((p) => p.includes("no longer carry their own connectionMade")), problems.join("; "));
});

test("WeriftSeamError for the ICE seam -> stable code, names the seam, the versions and every problem", () => {
  const err = new WeriftSeamError([{ seam: "ice-shared-port", problems: ["a is gone", "b moved"] }]);
  assert.equal(err.code, "WERIFT_SEAM");
  assert.match(err.message, /werift 0\.25\.2 does not fit .*verified against 0\.25\.2\); refusing to start/);
  assert.match(err.message, /seam "ice-shared-port": a is gone; b moved/);
});

test("installIceSeam twice -> wraps once", () => {
  installIceSeam();
  const after1 = (Connection.prototype as unknown as Record<string, unknown>).addRemoteCandidate;
  installIceSeam();
  assert.equal((Connection.prototype as unknown as Record<string, unknown>).addRemoteCandidate, after1);
});

test("the prototype wrap: an agent of no endpoint runs werift's code; two endpoints' agents each follow their own policy, through a view", async () => {
  installIceSeam();
  const seen: string[] = [];
  const policy = (name: string): AgentPolicy => ({
    attachTransport: () => {
      throw new Error("not used here");
    },
    addRemoteCandidate: async (agent, candidate, forward) => {
      seen.push(`${name}:${candidate?.host}:${agent.localUfrag().length > 0}`);
      if (candidate) seen.push(`${name} werift kept ${await forward(candidate.host.replace("example.local", "127.0.0.9"))}`);
    },
  });
  type Agent = { addRemoteCandidate(c: unknown): Promise<void>; _remoteCandidates: { host: string }[] };
  const agentWith = (filter?: (...args: any[]) => boolean) => new RTCIceGatherer({ filterStunResponse: filter, useIpv4: false, useIpv6: false }).connection as unknown as Agent;
  const candidate = (host: string) => werift.Candidate.fromSdp(`candidate:1 1 udp 2130706431 ${host} 9 typ host`);
  const a = agentWith(policyMarker(policy("a")));
  await a.addRemoteCandidate(candidate("127.0.0.1"));
  await agentWith(policyMarker(policy("b"))).addRemoteCandidate(candidate("example.local"));
  await agentWith(() => true).addRemoteCandidate(candidate("127.0.0.3")); // a plain filter is not a marker
  await agentWith().addRemoteCandidate(candidate("127.0.0.4"));
  assert.deepEqual(seen, ["a:127.0.0.1:true", "a werift kept 127.0.0.1", "b:example.local:true", "b werift kept 127.0.0.9"]);
  assert.deepEqual(a._remoteCandidates.map((c) => c.host), ["127.0.0.1"], "forwarded to werift's own addRemoteCandidate");
});

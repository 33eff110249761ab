import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { SharedMdnsResolver, type MdnsSocket } from "./mdns.js";

/** A socket-free stand-in for multicast-dns: records queries, lets the test answer. */
class FakeMdns extends EventEmitter {
  queries: string[] = [];
  destroyed = false;
  query(name: string) {
    this.queries.push(name);
  }
  answer(name: string, data: string, ttl = 120) {
    this.emit("response", { answers: [{ name, type: "A", ttl, data }] });
  }
  destroy(cb?: () => void) {
    this.destroyed = true;
    cb?.();
  }
}

function setup(now = () => 0) {
  const sockets: FakeMdns[] = [];
  let queries = 0;
  const resolver = new SharedMdnsResolver({
    timeoutMs: 200,
    cacheMs: 60_000,
    onQuery: () => queries++,
    openSocket: () => {
      const s = new FakeMdns();
      sockets.push(s);
      return s as unknown as MdnsSocket;
    },
    now,
  });
  return { resolver, sockets, queries: () => queries };
}

test("no lookup yet -> no socket opened", () => {
  const { resolver, sockets } = setup();
  assert.equal(resolver.socketsOpen, 0);
  assert.equal(sockets.length, 0);
});

test("two concurrent lookups of one name -> one socket, one query, both resolved", async () => {
  const { resolver, sockets, queries } = setup();
  const a = resolver.resolve("abc.local");
  const b = resolver.resolve("ABC.local.");
  assert.equal(sockets.length, 1);
  assert.deepEqual(sockets[0]!.queries, ["abc.local"]);
  sockets[0]!.answer("abc.local", "192.0.2.5");
  assert.deepEqual(await Promise.all([a, b]), ["192.0.2.5", "192.0.2.5"]);
  assert.equal(queries(), 1);
});

test("a cached name -> answered without a query until its TTL ends", async () => {
  let clock = 0;
  const { resolver, sockets, queries } = setup(() => clock);
  const first = resolver.resolve("n.local");
  sockets[0]!.answer("n.local", "192.0.2.6", 10);
  assert.equal(await first, "192.0.2.6");
  clock = 9_000;
  assert.equal(await resolver.resolve("n.local"), "192.0.2.6");
  assert.equal(queries(), 1);
  clock = 10_001;
  const again = resolver.resolve("n.local");
  assert.equal(queries(), 2);
  sockets[0]!.answer("n.local", "192.0.2.7");
  assert.equal(await again, "192.0.2.7");
  assert.equal(sockets.length, 1, "still one socket");
});

test("different lookups on one resolver -> one socket for all", async () => {
  const { resolver, sockets } = setup();
  const a = resolver.resolve("a.local");
  const b = resolver.resolve("b.local");
  sockets[0]!.answer("b.local", "192.0.2.2");
  sockets[0]!.answer("a.local", "192.0.2.1");
  assert.deepEqual(await Promise.all([a, b]), ["192.0.2.1", "192.0.2.2"]);
  assert.equal(sockets.length, 1);
});

test("no answer -> rejects after the timeout; answers that are not IPv4 A records are ignored", async () => {
  const { resolver, sockets } = setup();
  const p = resolver.resolve("quiet.local");
  sockets[0]!.emit("response", { answers: [{ name: "quiet.local", type: "AAAA", data: "::1" }, { name: "quiet.local", type: "A", data: "not-an-ip" }] });
  await assert.rejects(p, /no mDNS answer for quiet.local/);
});

test("close -> socket destroyed, later lookups reject, close is idempotent", async () => {
  const { resolver, sockets } = setup();
  const p = resolver.resolve("x.local");
  sockets[0]!.answer("x.local", "192.0.2.9");
  await p;
  await resolver.close();
  await resolver.close();
  assert.equal(sockets[0]!.destroyed, true);
  assert.equal(resolver.socketsOpen, 0);
  await assert.rejects(resolver.resolve("x.local"), /closed/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { DemuxTable, addressKey } from "./demuxTable.js";

interface S { name: string; remote: string }
const remoteOf = (s: S) => s.remote;

test("routeCheck with one session under the ufrag -> that session", () => {
  const t = new DemuxTable<S>();
  const a = { name: "a", remote: "r1" };
  t.addUfrag(a, "u1");
  assert.equal(t.routeCheck("u1", "r1", addressKey("1.2.3.4", 5), remoteOf), a);
  assert.equal(t.routeCheck("zz", "r1", addressKey("1.2.3.4", 5), remoteOf), undefined);
});

test("routeCheck with a shared ufrag -> the owner of the sender address, else remote-ufrag match", () => {
  const t = new DemuxTable<S>();
  const a = { name: "a", remote: "ra" };
  const b = { name: "b", remote: "rb" };
  t.addUfrag(a, "u");
  t.addUfrag(b, "u");
  assert.equal(t.routeCheck("u", "rb", addressKey("10.0.0.1", 1), remoteOf), b);
  assert.equal(t.routeCheck("u", "ra", addressKey("10.0.0.1", 1), remoteOf), a);
  t.claimAddress(b, addressKey("10.0.0.9", 9));
  assert.equal(t.routeCheck("u", "ra", addressKey("10.0.0.9", 9), remoteOf), b, "address owner wins");
});

test("routeCheck among equals (same local and remote ufrag) -> the one without an address yet", () => {
  const t = new DemuxTable<S>();
  const a = { name: "a", remote: "r" };
  const b = { name: "b", remote: "r" };
  t.addUfrag(a, "u");
  t.addUfrag(b, "u");
  t.claimAddress(a, addressKey("10.0.0.1", 1));
  assert.equal(t.routeCheck("u", "r", addressKey("10.0.0.2", 2), remoteOf), b);
});

test("claimAddress -> first claim wins until the owner is removed", () => {
  const t = new DemuxTable<S>();
  const a = { name: "a", remote: "" };
  const b = { name: "b", remote: "" };
  const key = addressKey("::1", 4000);
  assert.equal(t.claimAddress(a, key), a);
  assert.equal(t.claimAddress(b, key), a);
  assert.equal(t.ownerOfAddress(key), a);
  t.remove(a);
  assert.equal(t.ownerOfAddress(key), undefined);
  assert.equal(t.claimAddress(b, key), b);
});

test("remove -> every key of the session gone, others kept, idempotent", () => {
  const t = new DemuxTable<S>();
  const a = { name: "a", remote: "" };
  const b = { name: "b", remote: "" };
  t.addUfrag(a, "u1");
  t.addUfrag(a, "u2"); // ICE restart alias
  t.addUfrag(b, "u1");
  t.claimAddress(a, addressKey("1.1.1.1", 1));
  t.claimAddress(b, addressKey("2.2.2.2", 2));
  assert.deepEqual(t.size, { sessions: 2, ufragKeys: 2, addressKeys: 2 });
  t.remove(a);
  t.remove(a);
  assert.deepEqual(t.size, { sessions: 1, ufragKeys: 1, addressKeys: 1 });
  assert.deepEqual(t.sessionsForUfrag("u1"), [b]);
  t.remove(b);
  assert.deepEqual(t.size, { sessions: 0, ufragKeys: 0, addressKeys: 0 });
  assert.equal(t.hasSession(b), false);
});

test("addressKey keeps IPv6 addresses and ports apart", () => {
  assert.notEqual(addressKey("::1", 12), addressKey("::1:1", 2));
});

/**
 * media-node/ice's mDNS modes over real UDP and multicast, with werift clients in another
 * process that hide their host addresses behind <uuid>.local names the way browsers do: off
 * (ignored, connects peer-reflexive), shared (ONE resolver socket), perConnection (werift's
 * resolver, a socket per connection), and why the endpoint withholds end-of-candidates. Runs
 * inside a private network namespace (ice-netns-support.ts), so no multicast leaves it.
 * Where namespaces cannot be made the file reports one skipped test, saying why; under CI=true
 * that fails instead (`.ci/run` does not set CI itself; CI services set CI=true).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RTCPeerConnection } from "werift";
import { poll } from "../support/poll.js";
import { CLIENT_CONFIG, IceClient, closeServerPeersAfterAll, connectOne, endpoint, insideIceNetns, rerunInNetns, udpSocketsOfThisProcess } from "./ice-netns-support.js";

/** State here is in-process: look often. */
const FAST = { intervalMs: 5 };

if (!insideIceNetns()) {
  rerunInNetns(import.meta.url, "ICE mDNS tests");
} else {
  closeServerPeersAfterAll();

  test("werift alone, an offer of only .local candidates + end-of-candidates, no mDNS -> ICE fails at once (why the endpoint withholds the marker)", { timeout: 60_000 }, async (t) => {
    const client = IceClient.start(t);
    const { sdp } = await client.call<{ sdp: string }>({ cmd: "offer", id: "control", kind: "datachannel", mdnsNames: true, answerMdns: false });
    assert.match(sdp, /\.local \d+ typ host/);
    assert.match(sdp, /a=end-of-candidates/);
    const pc = new RTCPeerConnection(CLIENT_CONFIG);
    t.after(() => pc.close());
    const noMdns = sdp.split("\r\n").filter((l) => !l.includes(".local")).join("\r\n");
    await pc.setRemoteDescription({ type: "offer", sdp: noMdns });
    await pc.setLocalDescription(await pc.createAnswer());
    const started = performance.now();
    await poll(() => pc.iceConnectionState, (s) => s === "failed", 3000, "werift to give up", FAST);
    t.diagnostic(`werift failed ICE ${(performance.now() - started).toFixed(0)} ms after the answer`);
  });

  test("mdns off, offer with only <uuid>.local candidates -> no multicast socket, connects peer-reflexive", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t, { mdnsMode: "off" });
    const client = IceClient.start(t);
    const s = await connectOne(ice, client, "mdns-off", "datachannel", true, false);
    assert.equal(s.prepared.droppedMdnsCandidates, 1);
    assert.equal(s.prepared.withheldEndOfCandidates, true);
    assert.equal(s.result.echo, "pong:ping");
    const stats = ice.stats();
    assert.equal(stats.counters.candidatePaths.mdnsIgnored, 1);
    assert.equal(stats.counters.candidatePaths.endOfCandidatesWithheld, 1);
    assert.equal(stats.counters.candidatePaths.selectedPeerReflexive, 1);
    assert.equal(stats.counters.mdnsQueries, 0);
    assert.equal(stats.mdnsSockets, 0);
    assert.deepEqual(udpSocketsOfThisProcess().filter((x) => x.port === 5353), [], "no socket bound to 5353 in the server process");
    assert.deepEqual(udpSocketsOfThisProcess(), [{ address: "127.0.0.1", port: ice.port }]);
    await s.pc.close();
  });

  test("mdns shared, two sessions with .local candidates -> both resolved through ONE resolver socket", { timeout: 60_000 }, async (t) => {
    // a loaded machine can answer mDNS slower than ICE connects peer-reflexive: wait longer than the default 3 s
    const ice = await endpoint(t, { mdnsMode: "shared", mdnsTimeoutMs: 10_000 });
    const client = IceClient.start(t);
    const a = await connectOne(ice, client, "shared-a", "datachannel", true, true);
    const b = await connectOne(ice, client, "shared-b", "datachannel", true, true);
    assert.equal(a.result.echo, "pong:ping");
    assert.equal(b.result.echo, "pong:ping");
    await poll(() => ice.stats().counters.candidatePaths.mdnsResolved, (n) => n === 2, 12_000, "both names resolved", FAST);
    const stats = ice.stats();
    assert.equal(stats.counters.mdnsQueries, 2, "one query per distinct name");
    assert.equal(stats.mdnsSockets, 1);
    assert.equal(udpSocketsOfThisProcess().filter((x) => x.port === 5353).length, 1, "exactly one multicast socket in the server process");
    await a.pc.close();
    await b.pc.close();
    assert.equal(ice.stats().mdnsSockets, 1, "closing sessions does not close the shared resolver");
    await ice.close();
    assert.equal(udpSocketsOfThisProcess().filter((x) => x.port === 5353).length, 0, "closing the endpoint closes the resolver");
  });

  test("mdns perConnection, two sessions with .local candidates -> werift's resolver, a multicast socket per connection", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t, { mdnsMode: "perConnection" });
    const client = IceClient.start(t);
    const a = await connectOne(ice, client, "per-a", "datachannel", true, true);
    const b = await connectOne(ice, client, "per-b", "datachannel", true, true);
    assert.equal(a.result.echo, "pong:ping");
    assert.equal(b.result.echo, "pong:ping");
    assert.equal(ice.stats().counters.mdnsQueries, 2);
    const mdnsSockets = udpSocketsOfThisProcess().filter((x) => x.port === 5353).length;
    assert.equal(mdnsSockets, 2, "werift opens one multicast socket per connection");
    console.log(`# measured perConnection mDNS sockets with 2 sessions: ${mdnsSockets} (shared: 1, off: 0)`);
    await a.pc.close();
    await b.pc.close();
  });
}

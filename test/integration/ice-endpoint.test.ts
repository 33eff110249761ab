/**
 * startIceEndpoint on loopback, in this process: how it refuses to start, and the parts of
 * its contract that need no peer. (Peers, the shared port under load and mDNS: ice-shared-port.test.ts and ice-mdns.test.ts,
 * inside a network namespace.) Nothing here leaves 127.0.0.1: the endpoint's self-test gathers
 * host candidates only, and the endpoint never falls back to werift's public STUN host.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { test } from "node:test";
import { Connection } from "werift";
import { WeriftSeamError, advertisedHosts, startIceEndpoint, type IceEndpointOptions } from "../../media-node/ice/endpoint.js";

const base: IceEndpointOptions = { host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off" };

// must run first: the seam checks werift's shape before it installs itself
test("startIceEndpoint on a werift without Connection.prototype.getCandidatePromises -> rejects with WeriftSeamError naming it", async () => {
  const proto = Connection.prototype as unknown as Record<string, unknown>;
  const saved = proto.getCandidatePromises;
  delete proto.getCandidatePromises;
  try {
    await assert.rejects(startIceEndpoint(base), (err: Error) => {
      assert.ok(err instanceof WeriftSeamError);
      assert.match(err.message, /refusing to start/);
      assert.match(err.message, /Connection\.prototype\.getCandidatePromises is not a function/);
      return true;
    });
  } finally {
    proto.getCandidatePromises = saved;
  }
});

test("startIceEndpoint on a healthy werift -> bound, self-test passed, nothing attached", async (t) => {
  const ice = await startIceEndpoint(base);
  t.after(() => ice.close());
  assert.ok(ice.port > 0);
  assert.deepEqual(ice.advertisedHosts, ["127.0.0.1"]);
  assert.deepEqual({ sessions: ice.stats().sessions, demuxEntries: ice.stats().demuxEntries, mdnsSockets: ice.stats().mdnsSockets }, { sessions: 0, demuxEntries: 0, mdnsSockets: 0 });
});

test("a peer connection from the endpoint -> its host candidate is the shared port, gathering adds no STUN candidate", async (t) => {
  const ice = await startIceEndpoint({ ...base, additionalHosts: ["127.0.0.1", "127.0.0.2"] });
  t.after(() => ice.close());
  const pc = ice.createPeerConnection();
  t.after(() => pc.close());
  pc.createDataChannel("x");
  await pc.setLocalDescription(await pc.createOffer());
  const candidates = pc.localDescription!.sdp.split("\r\n").filter((l) => l.startsWith("a=candidate:"));
  assert.equal(candidates.length, 2);
  assert.ok(candidates[0]!.includes(` 127.0.0.1 ${ice.port} typ host`));
  assert.ok(candidates[1]!.includes(` 127.0.0.2 ${ice.port} typ host`));
  assert.equal(ice.stats().sessions, 1);
  await pc.close();
  assert.equal(ice.stats().demuxEntries, 0);
});

test("startIceEndpoint on a port already in use -> rejects naming host and port", async (t) => {
  const holder = createSocket("udp4");
  await new Promise<void>((r) => holder.bind(0, "127.0.0.1", r));
  t.after(() => holder.close());
  const port = holder.address().port;
  await assert.rejects(startIceEndpoint({ ...base, port }), new RegExp(`cannot bind the shared UDP port 127\\.0\\.0\\.1:${port}`));
});

test("bad options -> rejected before anything binds", async () => {
  await assert.rejects(startIceEndpoint({ ...base, host: "localhost" }), /host must be an IP address/);
  await assert.rejects(startIceEndpoint({ ...base, port: 70000 }), /port must be an integer/);
  await assert.rejects(startIceEndpoint({ ...base, mdnsMode: "sometimes" as never }), /mdnsMode must be off, shared or perConnection/);
  await assert.rejects(startIceEndpoint({ ...base, additionalHosts: ["::1"] }), /"::1" is not an IPv4 address/);
  await assert.rejects(startIceEndpoint({ ...base, additionalHosts: [] }), /no host candidate to advertise/);
});

test("advertisedHosts -> additionalHosts first, the bound host when ipsFromInterfaces, no duplicates", () => {
  assert.deepEqual(advertisedHosts({ host: "127.0.3.4", additionalHosts: ["203.0.113.7"], ipsFromInterfaces: true }, 4), ["203.0.113.7", "127.0.3.4"]);
  assert.deepEqual(advertisedHosts({ host: "127.0.3.4", additionalHosts: ["127.0.3.4"], ipsFromInterfaces: true }, 4), ["127.0.3.4"]);
  assert.deepEqual(advertisedHosts({ host: "0.0.0.0", additionalHosts: ["198.51.100.1"], ipsFromInterfaces: false }, 4), ["198.51.100.1"]);
});

test("prepareRemoteSdp / acceptRemoteCandidate -> counted, and a throwing event sink changes nothing", async (t) => {
  const seen: string[] = [];
  const ice = await startIceEndpoint({
    ...base,
    events: {
      candidatePath: (p) => {
        seen.push(p);
        throw new Error("broken metrics");
      },
    },
  });
  t.after(() => ice.close());
  const sdp = "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 1 abc.local 5000 typ host\r\na=end-of-candidates\r\n";
  const r = ice.prepareRemoteSdp(sdp);
  assert.deepEqual([r.droppedMdnsCandidates, r.withheldEndOfCandidates], [1, true]);
  assert.equal(ice.acceptRemoteCandidate("candidate:1 1 udp 1 def.local 5000 typ host"), false);
  assert.equal(ice.acceptRemoteCandidate("candidate:1 1 udp 1 127.0.0.1 5000 typ host"), true);
  assert.deepEqual(seen, ["mdnsIgnored", "endOfCandidatesWithheld", "mdnsIgnored"]);
  assert.equal(ice.stats().counters.candidatePaths.mdnsIgnored, 2);
});

test("close -> idempotent, the port is free again, createPeerConnection refuses", async () => {
  const ice = await startIceEndpoint(base);
  const port = ice.port;
  await ice.close();
  await ice.close();
  assert.throws(() => ice.createPeerConnection(), /endpoint is closed/);
  const again = await startIceEndpoint({ ...base, port });
  await again.close();
});

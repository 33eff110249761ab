/**
 * media-node/ice's shared UDP port over real UDP, with werift clients in another process:
 * every session on ONE socket, the demux table emptied on close, connect time and sockets
 * held against plain werift, and junk at the port counted by reason. Runs inside a private
 * network namespace (ice-netns-support.ts); the mDNS modes are in ice-mdns.test.ts.
 * Where namespaces cannot be made the file reports one skipped test, saying why; under CI=true
 * that fails instead (`.ci/run` does not set CI itself; CI services set CI=true).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { IceEndpoint } from "../../media-node/ice/endpoint.js";
import { poll } from "../support/poll.js";
import { IceClient, closeServerPeersAfterAll, connectOne, endpoint, insideIceNetns, median, rerunInNetns, udpSocketsOfThisProcess, type Kind } from "./ice-netns-support.js";

/** State here is in-process: look often. */
const FAST = { intervalMs: 5 };

if (!insideIceNetns()) {
  rerunInNetns(import.meta.url, "ICE shared-port tests");
} else {
  closeServerPeersAfterAll();

  test("5 peer connections through the endpoint -> all connect over ONE UDP socket; closing empties the demux table", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t);
    const client = IceClient.start(t);
    const kinds: Kind[] = ["datachannel", "sendonly", "recvonly", "datachannel", "sendonly"];
    const sessions = await Promise.all(kinds.map((kind, i) => connectOne(ice, client, `s${i}`, kind)));

    for (const [i, s] of sessions.entries()) {
      if (kinds[i] === "datachannel") assert.equal(s.result.echo, "pong:ping", `session ${i} data channel echo`);
      if (kinds[i] === "recvonly") assert.ok((s.result.rtpReceived ?? 0) > 0, `session ${i}: client received RTP sent over the shared port`);
    }
    for (const [i, s] of sessions.entries()) {
      if (kinds[i] === "sendonly") await poll(() => s.rtpReceived(), (n) => n > 0, 5000, `RTP on server session ${i}`, FAST);
    }
    assert.equal(ice.stats().sessions, 5);
    const sockets = udpSocketsOfThisProcess();
    assert.deepEqual(sockets, [{ address: "127.0.0.1", port: ice.port }], "the server process holds exactly the one shared UDP socket");
    for (const s of sessions) {
      assert.ok(s.answer.split("\r\n").filter((l) => l.startsWith("a=candidate:")).every((l) => l.includes(` 127.0.0.1 ${ice.port} typ host`)), "every advertised candidate is the shared port");
    }
    console.log(`# measured concurrent: 5 sessions through the endpoint, server offer->connected median ${median(sessions.map((s) => s.serverMs)).toFixed(0)} ms, max ${Math.max(...sessions.map((s) => s.serverMs)).toFixed(0)} ms; UDP sockets held ${sockets.length}`);

    for (const [i, s] of sessions.entries()) {
      await s.pc.close();
      await client.call({ cmd: "close", id: `s${i}` });
    }
    assert.deepEqual({ sessions: ice.stats().sessions, demuxEntries: ice.stats().demuxEntries }, { sessions: 0, demuxEntries: 0 });
    assert.equal(ice.stats().counters.candidatePaths.selectedHost + ice.stats().counters.candidatePaths.selectedPeerReflexive, 5);
  });

  test("5 sessions one after another, endpoint vs plain werift -> measured connect time and sockets held", { timeout: 60_000 }, async (t) => {
    const client = IceClient.start(t);
    const ice = await endpoint(t);
    const measure = async (label: string, via: IceEndpoint | undefined) => {
      const before = udpSocketsOfThisProcess().length;
      const sessions = [];
      for (let i = 0; i < 5; i++) sessions.push(await connectOne(via, client, `${label}${i}`, "datachannel"));
      const held = udpSocketsOfThisProcess().length - before;
      for (const [i, s] of sessions.entries()) {
        assert.equal(s.result.echo, "pong:ping");
        await s.pc.close();
        await client.call({ cmd: "close", id: `${label}${i}` });
      }
      return { offerToConnectedMs: median(sessions.map((s) => s.serverMs)), held };
    };
    const mux = await measure("m", ice);
    const plain = await measure("p", undefined);
    assert.equal(mux.held, 0, "sessions through the endpoint add no socket");
    assert.ok(plain.held >= 5, `plain werift holds a socket per session (held ${plain.held})`);
    const line = `# measured sequential, server offer->connected median: endpoint ${mux.offerToConnectedMs.toFixed(0)} ms (+${mux.held} sockets for 5 sessions), plain werift ${plain.offerToConnectedMs.toFixed(0)} ms (+${plain.held} sockets)`;
    console.log(line);
    t.diagnostic(line);
  });

  test("garbage, truncated STUN, unknown ufrag, unknown addresses at the port -> counted by reason; a new session still connects", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t);
    const client = IceClient.start(t);
    await client.call({ cmd: "junk", port: ice.port });
    await poll(() => Object.values(ice.stats().counters.dropped).reduce((a, b) => a + b, 0), (n) => n >= 9, 2000, "junk counted", FAST);
    const { dropped } = ice.stats().counters;
    assert.deepEqual(dropped, { garbage: 3, truncatedStun: 2, malformedStun: 0, stunWithoutUsername: 0, unknownUfrag: 1, unknownAddress: 3 });
    const s = await connectOne(ice, client, "after-junk", "datachannel");
    assert.equal(s.result.echo, "pong:ping");
    await s.pc.close();
    await client.call({ cmd: "close", id: "after-junk" });
    assert.equal(ice.stats().demuxEntries, 0);
  });
}

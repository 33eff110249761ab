/**
 * Per-connection timers must not outlive a session: a node-side peer from the session's
 * factory (shared ICE port, session negotiation helpers) and a werift viewer connect over
 * loopback, then both close the way sessions do (closePeer). Afterwards the process holds
 * no more timers or sockets than before (process.getActiveResourcesInfo()), so nothing
 * per viewer (ICE checks, consent, DTLS flights, NACK or RTCP loops) keeps ticking.
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTCPeerConnection, type RTCPeerConnection as Peer } from "werift";
import { startIceEndpoint } from "../ice/endpoint.js";
import { closePeer } from "../werift/index.js";
import { answerWithCandidates, applyRemoteOffer } from "./negotiate.js";
import { peerFactoryFromIce } from "./peerFactory.js";
import { peerConnected } from "../../test/support/peerState.js";
import { poll } from "../../test/support/poll.js";

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
/** State here is in-process: look often. */
const FAST = { intervalMs: 10 };

async function viewerOffer(pc: Peer): Promise<string> {
  pc.addTransceiver("video", { direction: "recvonly" });
  await pc.setLocalDescription(await pc.createOffer());
  await poll(() => pc.iceGatheringState, (s) => s === "complete", 3000, "the viewer's ICE gathering", FAST);
  return pc.localDescription!.sdp;
}

test("3 viewers connect and close -> no timer or socket per connection is left", { timeout: 30_000 }, async (t) => {
  const timersBeforeEndpoint = count("Timeout");
  const ice = await startIceEndpoint({ host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off" });
  const peers = peerFactoryFromIce(ice);
  t.after(() => peers.close());
  // the endpoint's self-test peer finishes closing: an idle endpoint holds no timer
  await poll(() => count("Timeout"), (n) => n === timersBeforeEndpoint, 5000, "the self-test peer's timers to end", FAST);
  const baseline = { timers: count("Timeout"), udp: count("UDPWrap") };

  const pairs: Array<{ node: Peer; viewer: Peer }> = [];
  for (let i = 0; i < 3; i++) {
    const viewer = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
    const node = peers.createPeerConnection({});
    pairs.push({ node, viewer });
    await applyRemoteOffer(node, peers, await viewerOffer(viewer));
    for (const transceiver of node.getTransceivers()) transceiver.setDirection("sendonly");
    await viewer.setRemoteDescription({ type: "answer", sdp: await answerWithCandidates(node) });
  }
  await Promise.all(pairs.flatMap(({ node, viewer }) => [peerConnected(node, 10_000), peerConnected(viewer, 10_000)]));
  assert.ok(count("Timeout") > baseline.timers, "connected peers do hold timers (the measurement can see them)");

  for (const { node, viewer } of pairs) {
    closePeer(node);
    await viewer.close();
  }
  // werift's DTLS flight timers run out within 0.5 s of the last flight; allow a few rounds
  await poll(() => count("Timeout"), (n) => n === baseline.timers, 5000, "no timer left after close", {
    ...FAST,
    onTimeout: () => `active resources: ${JSON.stringify(process.getActiveResourcesInfo())}`,
  });
  assert.equal(count("UDPWrap"), baseline.udp, "no socket per connection (one shared ICE port)");
  assert.deepEqual(ice.stats().sessions, 0, "the shared port forgot every session");
});

/**
 * The node sends its DTLS ClientHello EARLY_CLIENT_HELLO_DELAY_MS after ICE connects, not
 * werift's fixed 100 ms later (dtlsEarlyStart.ts). Real werift peers over loopback: with the
 * early start the node's client has sent flight 1 by a timer set between the two delays
 * (timers fire in deadline order, so this does not depend on machine speed), werift's own
 * delayed connect() does not restart the handshake, and both ends connect; with it off, flight
 * 1 has not gone out at that point. Also: the seam holds on the installed werift, and a werift
 * whose start() no longer waits, or builds its client elsewhere, is refused.
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import * as werift from "werift";
import { RTCPeerConnection, type RTCDtlsTransport } from "werift";
import { startIceEndpoint } from "../ice/endpoint.js";
import { answerWithCandidates, applyRemoteOffer } from "../session/negotiate.js";
import { peerFactoryFromIce } from "../session/peerFactory.js";
import { closePeer } from "./closeNotify.js";
import { dtlsEarlyStartProblems, EARLY_CLIENT_HELLO_DELAY_MS } from "./dtlsEarlyStart.js";
import { peerConnected } from "../../test/support/peerState.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type SocketView = { dtls?: { flight?: number } };

/** Between the early delay and werift's own 100 ms. */
const CHECK_AFTER_MS = (EARLY_CLIENT_HELLO_DELAY_MS + 100) / 2;

/** The DTLS flight the node's transport is at CHECK_AFTER_MS after it announced "connecting". */
function flightSoonAfterConnecting(transport: RTCDtlsTransport): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sub = transport.onStateChange.subscribe((state) => {
      if (state !== "connecting") return;
      sub.unSubscribe();
      setTimeout(() => resolve(((transport as unknown as { dtls?: SocketView }).dtls)?.dtls?.flight), CHECK_AFTER_MS);
    });
  });
}

test("werift's DTLS seam for the early start holds (RTCDtlsTransport.start waits 100 ms before DtlsClient.connect)", () => {
  assert.deepEqual(dtlsEarlyStartProblems(werift), []);
});

test("a werift whose RTCDtlsTransport.start connects at once, or whose DtlsClient has no connect -> both named", () => {
  class ConnectsAtOnce extends werift.RTCDtlsTransport {
    override async start() {
      // no wait any more: the early start would be pointless (or would race werift)
    }
  }
  class NoConnect extends werift.DtlsClient {}
  Object.defineProperty(NoConnect.prototype, "connect", { value: undefined });
  const problems = dtlsEarlyStartProblems({ RTCDtlsTransport: ConnectsAtOnce, DtlsClient: NoConnect });
  assert.ok(problems.some((p) => p.includes("no longer waits 100 ms")), problems.join("; "));
  assert.ok(problems.some((p) => p.includes("DtlsClient.prototype.connect")), problems.join("; "));
});

for (const early of [true, false]) {
  test(`earlyDtlsStart ${early} -> ClientHello ${early ? "sent early" : "held by werift"}, both ends connect, the handshake is not restarted`, { timeout: 30_000 }, async (t) => {
    const ice = await startIceEndpoint({ host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off" });
    const peers = peerFactoryFromIce(ice, { earlyDtlsStart: early });
    t.after(() => peers.close());
    const viewer = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
    const node = peers.createPeerConnection({});
    t.after(async () => {
      closePeer(node);
      await viewer.close();
    });
    viewer.addTransceiver("video", { direction: "recvonly" });
    await viewer.setLocalDescription(await viewer.createOffer());
    for (let i = 0; i < 600 && viewer.iceGatheringState !== "complete"; i++) await sleep(5);
    await applyRemoteOffer(node, peers, viewer.localDescription!.sdp);
    const [transport] = node.dtlsTransports;
    assert.ok(transport, "the node has a DTLS transport after the offer");
    const flight = flightSoonAfterConnecting(transport);
    for (const transceiver of node.getTransceivers()) transceiver.setDirection("sendonly");
    await viewer.setRemoteDescription({ type: "answer", sdp: await answerWithCandidates(node) });
    const seenFlight = await flight;
    assert.equal(transport.role, "client", "the node answers setup:active (DTLS client)");
    if (early) assert.ok(seenFlight !== undefined && seenFlight >= 1, `flight 1 already sent (flight ${seenFlight})`);
    else assert.ok(!seenFlight, `werift's own timing: no flight yet (flight ${seenFlight})`);
    await Promise.all([peerConnected(node, 10_000), peerConnected(viewer, 10_000)]);
    await sleep(250); // past werift's own 100 ms connect(): it must not have started a new handshake
    assert.equal(node.connectionState, "connected");
    assert.equal(viewer.connectionState, "connected");
    const socket = (transport as unknown as { dtls?: SocketView & { connected?: boolean } }).dtls;
    assert.equal(socket?.connected, true);
    assert.ok((socket?.dtls?.flight ?? 0) >= 5, `handshake finished, not back at flight 1 (flight ${socket?.dtls?.flight})`);
  });
}

/**
 * The X25519 swap (x25519.ts): results identical to tweetnacl's, werift's own handshake goes
 * through it (the registry's "x25519-openssl" check), a tweetnacl werift does not use is
 * refused, and two media nodes in one process share the one swap without either owning it.
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import * as werift from "werift";
import nacl from "tweetnacl";
import { startIceEndpoint } from "../ice/endpoint.js";
import { peerFactoryFromIce } from "../session/peerFactory.js";
import { answerWithCandidates, applyRemoteOffer } from "../session/negotiate.js";
import { closePeer } from "./closeNotify.js";
import { checkWeriftSeams, SEAMS } from "./seams.js";
import { nativeKeyPair, nativeScalarMult, nativeX25519Calls, useNativeX25519 } from "./x25519.js";
import { poll } from "../../test/support/poll.js";

const x25519Seam = SEAMS.filter((s) => s.name === "x25519-openssl");

test("werift's DTLS handshake does its X25519 through the swapped tweetnacl (the x25519-openssl check passes)", async () => {
  assert.deepEqual(await checkWeriftSeams({ werift, tweetnacl: nacl }, x25519Seam), [{ seam: "x25519-openssl", problems: [] }]);
});

test("a tweetnacl werift does not use (a copy) -> the x25519-openssl check says werift no longer uses it", async () => {
  // string keys only: a spread would also copy the real module's swap marker (a symbol)
  const copy = { ...Object.fromEntries(Object.entries(nacl)), box: { ...nacl.box } } as unknown as typeof nacl;
  const [report] = await checkWeriftSeams({ werift, tweetnacl: copy }, x25519Seam);
  assert.ok(report!.problems.some((p) => p.includes("box.keyPair 0 times")), report!.problems.join("; "));
  assert.ok(report!.problems.some((p) => p.includes("scalarMult 0 times")), report!.problems.join("; "));
});

test("native X25519 agrees with tweetnacl (RFC 7748 §6.1 vector and random pairs)", () => {
  // RFC 7748 §6.1: Alice's private key, Bob's public key, shared secret
  const alice = Buffer.from("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "hex");
  const bobPublic = Buffer.from("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", "hex");
  const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  assert.equal(Buffer.from(nativeScalarMult(alice, bobPublic)).toString("hex"), shared);
  for (let i = 0; i < 5; i++) {
    const a = nativeKeyPair();
    const b = nacl.box.keyPair();
    assert.deepEqual(nacl.scalarMult.base(a.secretKey), a.publicKey, "native public key = tweetnacl's for the same secret");
    assert.deepEqual(nativeScalarMult(a.secretKey, b.publicKey), nacl.scalarMult(b.secretKey, a.publicKey));
  }
});

test("useNativeX25519 -> tweetnacl answers natively, owns its buffers, keeps tweetnacl's answer for low-order points", () => {
  const original = useNativeX25519();
  assert.equal(useNativeX25519(), original, "idempotent");
  const pair = nacl.box.keyPair();
  assert.equal(pair.secretKey.length, 32);
  assert.equal(pair.secretKey.buffer.byteLength, 32, "werift copies keys.secretKey.buffer whole");
  assert.equal(pair.publicKey.buffer.byteLength, 32);
  const peer = original.keyPair();
  assert.deepEqual(nacl.scalarMult(pair.secretKey, peer.publicKey), original.scalarMult(peer.secretKey, pair.publicKey));
  const zeroPoint = new Uint8Array(32); // low order: OpenSSL refuses, tweetnacl returns zeros
  assert.deepEqual(nacl.scalarMult(pair.secretKey, zeroPoint), original.scalarMult(pair.secretKey, zeroPoint));
  assert.equal(typeof nacl.scalarMult.base, "function");
});

/** One node-side peer of `peers` connected to a werift viewer, then closed the way sessions close. */
async function connectOnce(peers: ReturnType<typeof peerFactoryFromIce>): Promise<void> {
  const viewer = new werift.RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  const node = peers.createPeerConnection({});
  try {
    viewer.addTransceiver("video", { direction: "recvonly" });
    await viewer.setLocalDescription(await viewer.createOffer());
    await poll(() => viewer.iceGatheringState, (s) => s === "complete", 5000, "viewer gathering", { intervalMs: 10 });
    await applyRemoteOffer(node, peers, viewer.localDescription!.sdp);
    for (const transceiver of node.getTransceivers()) transceiver.setDirection("sendonly");
    await viewer.setRemoteDescription({ type: "answer", sdp: await answerWithCandidates(node) });
    await poll(() => [node.connectionState, viewer.connectionState], (s) => s.every((x) => x === "connected"), 10_000, "both connected", { intervalMs: 10 });
  } finally {
    closePeer(node);
    await viewer.close();
  }
}

test("two media nodes in one process: one swap, installed once, neither owns it; each node's handshakes use it", { timeout: 60_000 }, async (t) => {
  // Why the swap may be process-wide: it keeps nothing of a node. Both nodes' peer factories
  // install it (idempotent), closing one leaves it for the other, and the in-process werift
  // viewers (another user of werift) get tweetnacl's results, only computed by OpenSSL.
  const options = { host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off" as const };
  const a = peerFactoryFromIce(await startIceEndpoint(options));
  const b = peerFactoryFromIce(await startIceEndpoint(options));
  t.after(() => b.close());
  const installed = nacl.box.keyPair;
  assert.notEqual(installed, useNativeX25519().keyPair, "tweetnacl answers through the swap, not its own function");
  const calls = () => nativeX25519Calls()!;
  const before = calls();
  await connectOnce(a);
  const afterA = calls();
  assert.ok(afterA.keyPair - before.keyPair >= 2 && afterA.scalarMult - before.scalarMult >= 2, "node A's handshake (both ends) went through OpenSSL");
  await a.close();
  assert.equal(nacl.box.keyPair, installed, "closing node A leaves the swap in place");
  await connectOnce(b);
  const afterB = calls();
  assert.ok(afterB.keyPair - afterA.keyPair >= 2 && afterB.scalarMult - afterA.scalarMult >= 2, "node B's handshake went through OpenSSL too");
});

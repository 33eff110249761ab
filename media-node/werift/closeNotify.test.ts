/**
 * closePeer's close_notify (sealed by the node's own record code from the socket's state)
 * closes the peer's DTLS transport at once: two werift peers on loopback. The shape it reads is
 * the registry's "dtls-records" seam (seams.test.ts refuses a doctored one).
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { sendCloseNotify } from "./closeNotify.js";
import { dtlsRecordKeysOf } from "./dtlsState.js";
import { poll } from "../../test/support/poll.js";

const loopback = () => new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });

async function gathered(pc: RTCPeerConnection) {
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 3000);
    pc.iceGatheringStateChange.subscribe((s) => s === "complete" && (clearTimeout(timer), resolve()));
  });
  return pc.localDescription!;
}

test("sendCloseNotify closes the remote peer's DTLS transport at once", { timeout: 15_000 }, async (t) => {
  const a = loopback();
  const b = loopback();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  a.addTransceiver(new MediaStreamTrack({ kind: "video" }), { direction: "sendonly" });
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(await gathered(a));
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(await gathered(b));
  await poll(() => [a.connectionState, b.connectionState], (s) => s.every((x) => x === "connected"), 10_000, "both peers connected", { intervalMs: 10 });

  assert.equal(a.dtlsTransports.length, 1);
  const socket = a.dtlsTransports[0]!.dtls;
  const before = dtlsRecordKeysOf(socket);
  assert.deepEqual(before.problems, [], "werift's record state is where dtlsState.ts reads it");

  const closed = new Promise<void>((resolve) => b.dtlsTransports[0]!.onStateChange.subscribe((s) => s === "closed" && resolve()));
  assert.equal(sendCloseNotify(a), 1);
  await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("peer DTLS transport did not close")), 3000))]);
  assert.equal(dtlsRecordKeysOf(socket).keys?.sequenceNumber, before.keys!.sequenceNumber + 1, "werift's next record follows the alert's sequence number");
});

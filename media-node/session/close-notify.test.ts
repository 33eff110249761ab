/**
 * Seam test: fails when werift's DtlsSocket internals that close-notify.ts reads move, or
 * when a close_notify no longer closes the peer's DTLS transport. Two werift peers on loopback.
 */
import "../../test/support/no-public-stun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { closeNotifySeamProblems, connectedDtlsSockets, sendCloseNotify } from "./close-notify.js";

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
  const bConnected = new Promise<void>((resolve) => b.connectionStateChange.subscribe((s) => s === "connected" && resolve()));
  await bConnected;
  await new Promise((r) => setTimeout(r, 100));

  const sockets = connectedDtlsSockets(a);
  assert.equal(sockets.length, 1, "werift exposes the connected DtlsSocket as RTCDtlsTransport.dtls");
  assert.deepEqual(closeNotifySeamProblems(sockets[0]!), [], "werift internals used by close-notify.ts are where they were");

  const closed = new Promise<void>((resolve) => b.dtlsTransports[0]!.onStateChange.subscribe((s) => s === "closed" && resolve()));
  assert.equal(sendCloseNotify(a), 1);
  await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("peer DTLS transport did not close")), 3000))]);
});

/**
 * The seam to werift's DTLS transport: the installed werift passes the static checks; a live
 * transport whose SRTP session lost its keys/profile is refused with the werift version named;
 * transports without SRTP, and the "werift" mode, go through the transport's own sendRtp.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from "werift";
import { assertTransportSeam } from "../weriftSeam.js";
import { findSrtpSeamProblems, leanRtpOutputFor, liveSrtpProblems, setLeanSrtpMode, type SrtpTransportView } from "./weriftTransport.js";

function stubTransport(srtp: unknown) {
  const datagrams: Buffer[] = [];
  const viaSendRtp: number[] = [];
  const transport = {
    state: "connected",
    transportSequenceNumber: 0,
    srtp,
    iceTransport: { connection: { send: async (d: Buffer) => void datagrams.push(d) } },
    bytesSent: 0,
    packetsSent: 0,
    sendRtp: async (_p: Buffer, h: RtpHeader) => viaSendRtp.push(h.sequenceNumber),
    sendRtcp: async () => 0,
    onRtcp: { subscribe: () => ({ unSubscribe: () => undefined }) },
  };
  return { transport, datagrams, viaSendRtp };
}

const session = () =>
  new SrtpSession({
    profile: ProtectionProfileAes128CmHmacSha1_80,
    keys: { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(14), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(14) },
  });

test("installed werift keeps SRTP keys/profile where the lean output reads them -> no problems", () => {
  assert.deepEqual(findSrtpSeamProblems(), []);
});

test("live transport whose srtp lost config -> assertTransportSeam throws naming the werift version", () => {
  const { transport } = stubTransport({ encrypt: () => Buffer.alloc(0) });
  assert.deepEqual(liveSrtpProblems(transport), ["srtp.config"]);
  assert.throws(() => assertTransportSeam(transport), /^Error: werift 0\.25\.2: RTCDtlsTransport lacks srtp\.config/);
  const badProfile = stubTransport({ config: { profile: 2, keys: { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(14) } } }).transport;
  assert.match(liveSrtpProblems(badProfile).join(), /srtp\.config\.profile/);
  const noKeys = stubTransport({ config: { profile: 1, keys: {} } }).transport;
  assert.deepEqual(liveSrtpProblems(noKeys), ["srtp.config.keys.localMasterKey", "srtp.config.keys.localMasterSalt"]);
});

test("fast output -> protected datagram on the ICE connection, counters bumped, sendRtp untouched; werift mode -> sendRtp", async () => {
  const srtp = session();
  const fast = stubTransport(srtp);
  const out = leanRtpOutputFor(fast.transport as unknown as SrtpTransportView);
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: 10, timestamp: 1, ssrc: 42 });
  const payload = randomBytes(100);
  out.send(payload, header as never);
  assert.equal(fast.datagrams.length, 1);
  assert.equal(fast.viaSendRtp.length, 0);
  assert.equal(fast.transport.packetsSent, 1);
  assert.equal(fast.transport.bytesSent, 12 + 100 + 10);
  assert.ok(fast.datagrams[0]!.equals(srtp.encrypt(payload, header)), "same bytes as werift's own session would send");

  setLeanSrtpMode("werift");
  try {
    const slow = stubTransport(session());
    leanRtpOutputFor(slow.transport as unknown as SrtpTransportView).send(payload, header as never);
    assert.deepEqual(slow.viaSendRtp, [10]);
    assert.equal(slow.datagrams.length, 0);
  } finally {
    setLeanSrtpMode("fast");
  }
  const none = stubTransport(undefined);
  assert.deepEqual(liveSrtpProblems(none.transport), [], "no SRTP session: nothing to key from, not a seam problem");
  leanRtpOutputFor(none.transport as unknown as SrtpTransportView).send(payload, header as never);
  assert.deepEqual(none.viaSendRtp, [10]);
});

test("transport's srtp session replaced (new keys) -> output re-keys from it", () => {
  const first = session();
  const { transport, datagrams } = stubTransport(first);
  const out = leanRtpOutputFor(transport as unknown as SrtpTransportView);
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 7 });
  const payload = randomBytes(50);
  out.send(payload, header as never);
  const second = session();
  transport.srtp = second;
  header.sequenceNumber = 2;
  out.send(payload, header as never);
  assert.ok(datagrams[1]!.equals(second.encrypt(payload, header)));
});

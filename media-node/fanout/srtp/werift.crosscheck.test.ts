/**
 * Cross-check against the INSTALLED werift's own SRTP (the receiving side a werift viewer
 * runs): what this protector sends, werift decrypts; what werift sends, `unprotect` reads; for
 * the same keys and header the bytes are identical. Both profiles werift negotiates, across a
 * 16-bit sequence wrap (ROC 0 -> 1), with resends of pre-wrap sequence numbers after the wrap
 * and an RTX stream interleaved on a second SSRC.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RtpHeader,
  RtpPacket,
  SrtpAuthenticationError,
  SrtpSession,
  keyLength,
  saltLength,
} from "werift";
import { xorInto } from "./aesCm.js";
import { createSrtpProtector } from "./createProtector.js";

const MAIN_SSRC = 0x11223344;
const RTX_SSRC = 0xa0b0c0d0;

type Profile = typeof ProtectionProfileAeadAes128Gcm | typeof ProtectionProfileAes128CmHmacSha1_80;

function keyPair(profile: Profile) {
  const a = { key: randomBytes(keyLength(profile)!), salt: randomBytes(saltLength(profile)!) };
  const b = { key: randomBytes(keyLength(profile)!), salt: randomBytes(saltLength(profile)!) };
  // werift's sender (local = a) and receiver (remote = a), as the two ends of one association
  const weriftSender = new SrtpSession({ profile, keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt } });
  const weriftReceiver = new SrtpSession({ profile, keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt } });
  return { a, weriftSender, weriftReceiver };
}

/** A header like the lean path's: mid + abs-send-time one-byte extensions. */
function header(seq: number, ssrc = MAIN_SSRC, payloadType = 96): RtpHeader {
  return new RtpHeader({
    payloadType,
    sequenceNumber: seq,
    timestamp: (seq * 3000) >>> 0,
    ssrc,
    marker: seq % 3 === 0,
    extensions: [
      { id: 1, payload: Buffer.from("0") },
      { id: 3, payload: Buffer.from([1, 2, 3]) },
    ],
  });
}

/** Sequence numbers around a wrap, and a resend of a pre-wrap one after it. */
const WRAP_SEQS = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 65533, 3, 4, 65535, 5];

for (const [name, profile] of [
  ["AES_CM_128_HMAC_SHA1_80", ProtectionProfileAes128CmHmacSha1_80],
  ["AEAD_AES_128_GCM", ProtectionProfileAeadAes128Gcm],
] as const) {
  test(`${name}: our protect -> werift's receiving session decrypts every packet across the wrap, resends included`, () => {
    const { a, weriftReceiver } = keyPair(profile);
    const ours = createSrtpProtector({ profile, masterKey: a.key, masterSalt: a.salt });
    let rtxSeq = 65534;
    for (const [i, seq] of WRAP_SEQS.entries()) {
      const payload = randomBytes(1 + ((i * 137) % 1200)); // odd sizes: partial words and blocks
      const clear = weriftReceiver.decrypt(ours.protect(header(seq), payload)!);
      const packet = RtpPacket.deSerialize(clear);
      assert.equal(packet.header.sequenceNumber, seq);
      assert.equal(packet.header.ssrc, MAIN_SSRC);
      assert.deepEqual(packet.payload, payload);
      assert.equal(packet.header.extensions.find((e) => e.id === 1)?.payload.toString(), "0");
      if (i % 4 === 3) {
        // RTX (RFC 4588) on its own SSRC with its own wrapping sequence
        const osn = Buffer.concat([Buffer.from([seq >> 8, seq & 0xff]), payload]);
        const rtx = RtpPacket.deSerialize(weriftReceiver.decrypt(ours.protect(header(rtxSeq, RTX_SSRC, 97), osn)!));
        assert.equal(rtx.header.sequenceNumber, rtxSeq);
        assert.deepEqual(rtx.payload, osn);
        rtxSeq = (rtxSeq + 1) & 0xffff;
      }
    }
    assert.equal(ours.rolloverCounter(MAIN_SSRC), 1, "main SSRC wrapped once");
    assert.equal(ours.rolloverCounter(RTX_SSRC), 1, "RTX SSRC wrapped once (65534, 65535, 0)");
    assert.equal(ours.rolloverCounter(0x999), undefined);
  });

  test(`${name}: werift's protect -> our unprotect reads every packet across the wrap; bytes identical to ours`, () => {
    const { a, weriftSender } = keyPair(profile);
    const ours = createSrtpProtector({ profile, masterKey: a.key, masterSalt: a.salt });
    const reader = createSrtpProtector({ profile, masterKey: a.key, masterSalt: a.salt });
    for (const [i, seq] of WRAP_SEQS.entries()) {
      const payload = randomBytes(1 + ((i * 211) % 1300));
      const h = header(seq);
      const theirs = weriftSender.encrypt(payload, h);
      assert.equal(ours.protect(h, payload)?.toString("hex"), theirs.toString("hex"), `seq ${seq}: same bytes as werift`);
      const clear = RtpPacket.deSerialize(reader.unprotect(theirs));
      assert.equal(clear.header.sequenceNumber, seq);
      assert.deepEqual(clear.payload, payload);
    }
  });

  test(`${name}: a flipped bit anywhere -> werift rejects it as unauthenticated`, () => {
    const { a, weriftReceiver } = keyPair(profile);
    const ours = createSrtpProtector({ profile, masterKey: a.key, masterSalt: a.salt });
    const good = ours.protect(header(100), randomBytes(300))!;
    for (const at of [2, 13, 40, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x04;
      assert.throws(() => weriftReceiver.decrypt(bad), SrtpAuthenticationError, `bit flipped at byte ${at}`);
      assert.throws(() => createSrtpProtector({ profile, masterKey: a.key, masterSalt: a.salt }).unprotect(bad), { code: "SRTP_AUTH_FAILED" });
    }
    assert.equal(RtpPacket.deSerialize(weriftReceiver.decrypt(good)).header.sequenceNumber, 100);
  });
}

test("protect never mutates or keeps the caller's payload", () => {
  const ours = createSrtpProtector({ profile: ProtectionProfileAes128CmHmacSha1_80, masterKey: randomBytes(16), masterSalt: randomBytes(14) });
  const payload = randomBytes(500);
  const copy = Buffer.from(payload);
  const out = ours.protect(header(7), payload)!;
  assert.deepEqual(payload, copy);
  out.fill(0);
  assert.deepEqual(payload, copy);
});

test("xorInto: word path and byte path agree (unaligned destination)", () => {
  const src = randomBytes(1001);
  const ks = randomBytes(1008);
  const aligned = Buffer.alloc(1100);
  xorInto(aligned, 12, src, ks);
  const unaligned = Buffer.alloc(1101).subarray(1);
  xorInto(unaligned, 12, src, ks);
  for (let i = 0; i < src.length; i++) assert.equal(aligned[12 + i], src[i]! ^ ks[i]!);
  assert.deepEqual(unaligned.subarray(12, 1013), aligned.subarray(12, 1013));
});

test("unsupported profile or wrong key sizes -> a clear error", () => {
  assert.throws(() => createSrtpProtector({ profile: 2, masterKey: randomBytes(16), masterSalt: randomBytes(14) }), /0x0002 is not supported/);
  assert.throws(() => createSrtpProtector({ profile: 7, masterKey: randomBytes(16), masterSalt: randomBytes(14) }), /12-byte master salt/);
});


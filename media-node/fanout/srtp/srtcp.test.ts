/**
 * The node's own SRTCP against the INSTALLED werift's SrtcpSession (what a werift viewer runs):
 * for both profiles, the same keys give the same bytes packet after packet (index per SSRC from
 * 1), what werift seals as the peer opens, and a tampered or truncated packet is refused.
 * Packets sent in the clear (E flag 0, RFC 3711 §3.4) are authenticated and returned as is.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtcpSenderInfo, RtcpSrPacket, SrtcpSession, keyLength, saltLength } from "werift";
import { deriveKey, LABEL } from "./kdf.js";
import { SrtpAuthenticationFailed } from "./protector.js";
import { createSrtcpProtector } from "./srtcp.js";

const sr = (ssrc: number, packetCount: number) =>
  new RtcpSrPacket({ ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 0x1122334455667788n, rtpTimestamp: 99, packetCount, octetCount: packetCount * 1000 }) }).serialize();

for (const [name, profile] of [
  ["AES_CM_128_HMAC_SHA1_80", ProtectionProfileAes128CmHmacSha1_80],
  ["AEAD_AES_128_GCM", ProtectionProfileAeadAes128Gcm],
] as const) {
  const keys = () => {
    const a = { masterKey: randomBytes(keyLength(profile)!), masterSalt: randomBytes(saltLength(profile)!) };
    const b = { masterKey: randomBytes(keyLength(profile)!), masterSalt: randomBytes(saltLength(profile)!) };
    const ours = createSrtcpProtector({ profile, ...a }, { profile, ...b });
    const config = (l: typeof a, r: typeof a) => ({ profile, keys: { localMasterKey: l.masterKey, localMasterSalt: l.masterSalt, remoteMasterKey: r.masterKey, remoteMasterSalt: r.masterSalt } });
    return { ours, weriftSame: new SrtcpSession(config(a, b)), weriftPeer: new SrtcpSession(config(b, a)) };
  };

  test(`${name}: protect = werift's encrypt for the same keys, packet after packet, per SSRC`, () => {
    const { ours, weriftSame } = keys();
    for (const [ssrc, n] of [[0x1111, 1], [0x1111, 2], [0x2222, 1], [0x1111, 3]] as const) {
      const packet = sr(ssrc, n);
      assert.ok(ours.protect(packet).equals(weriftSame.encrypt(packet)), `SSRC ${ssrc} packet ${n}`);
    }
  });

  test(`${name}: what werift seals as the peer opens to the same RTCP; werift opens what we seal`, () => {
    const { ours, weriftPeer } = keys();
    for (let n = 1; n <= 3; n++) {
      const packet = sr(0x3333, n);
      assert.ok(ours.unprotect(weriftPeer.encrypt(packet)).equals(packet));
      assert.ok(weriftPeer.decrypt(ours.protect(packet)).equals(packet));
    }
  });

  test(`${name}: a flipped bit anywhere, or a packet shorter than its trailer -> SrtpAuthenticationFailed`, () => {
    const { ours, weriftPeer } = keys();
    const sealed = weriftPeer.encrypt(sr(0x4444, 1));
    for (const at of [0, 9, sealed.length - 5, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x01;
      assert.throws(() => ours.unprotect(bad), SrtpAuthenticationFailed, `bit flipped at ${at}`);
    }
    assert.throws(() => ours.unprotect(sealed.subarray(0, 12)), SrtpAuthenticationFailed);
  });
}

test("AES_CM_128_HMAC_SHA1_80: a packet sent in the clear (E = 0) is authenticated and returned unencrypted", () => {
  const profile = ProtectionProfileAes128CmHmacSha1_80;
  const peer = { masterKey: randomBytes(16), masterSalt: randomBytes(14) };
  const ours = createSrtcpProtector({ profile, masterKey: randomBytes(16), masterSalt: randomBytes(14) }, { profile, ...peer });
  const packet = sr(0x5555, 1);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(7); // E = 0, index 7
  const authKey = deriveKey(peer.masterKey, peer.masterSalt, LABEL.srtcpAuthentication, 20);
  const clear = Buffer.concat([packet, trailer]);
  const tag = createHmac("sha1", authKey).update(clear).digest().subarray(0, 10);
  assert.ok(ours.unprotect(Buffer.concat([clear, tag])).equals(packet));
});

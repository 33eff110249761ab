/**
 * Published test vectors: RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation),
 * RFC 7714 §16.1.1 (AEAD_AES_128_GCM protection of an RTP packet).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { aesCmKeystream } from "./aesCm.js";
import { AesGcmProtector } from "./gcmProtector.js";
import { deriveKey, deriveSrtpSessionKeys, LABEL } from "./kdf.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

test("RFC 3711 B.3: key derivation -> the listed cipher key, salt and auth key", () => {
  const masterKey = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const masterSalt = hex("0EC675AD498AFEEBB6960B3AABE6");
  const keys = deriveSrtpSessionKeys(masterKey, masterSalt, 14);
  assert.equal(keys.encryptionKey.toString("hex"), "c61e7a93744f39ee10734afe3ff7a087");
  assert.equal(keys.salt.toString("hex"), "30cbbc08863d8c85d49db34a9ae1");
  assert.equal(keys.authenticationKey.toString("hex"), "cebe321f6ff7716b6fd4ab49af256a156d38baa4");
  // the B.3 listing continues the auth-key PRF output past 160 bits
  assert.equal(
    deriveKey(masterKey, masterSalt, LABEL.srtpAuthentication, 94).toString("hex"),
    hex(
      `CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098
       6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2`,
    ).toString("hex"),
  );
  // a different label gives an unrelated key (the SRTCP direction)
  assert.notEqual(deriveKey(masterKey, masterSalt, LABEL.srtcpEncryption, 16).toString("hex"), keys.encryptionKey.toString("hex"));
});

test("RFC 3711 B.2: AES-CM keystream -> the listed blocks at 0, 1, 2 and 0xfeff..0xff01", () => {
  const key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
  const iv = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
  const stream = aesCmKeystream(key, iv, 0xff02 * 16);
  const block = (i: number) => stream.subarray(i * 16, i * 16 + 16).toString("hex");
  assert.equal(block(0), "e03ead0935c95e80e166b16dd92b4eb4");
  assert.equal(block(1), "d23513162b02d0f72a43a2fe4a5f97ab");
  assert.equal(block(2), "41e95b3bb0a2e8dd477901e4fca894c0");
  assert.equal(block(0xfeff), "ec8cdf7398607cb0f2d21675ea9ea1e4");
  assert.equal(block(0xff00), "362b7c3c6773516318a077d7fc5073ae");
  assert.equal(block(0xff01), "6a2cc3787889374fbeb4c81b17ba6c44");
  assert.throws(() => aesCmKeystream(key, iv, 0x10001 * 16), /2\^16-block counter/);
  assert.throws(() => aesCmKeystream(key, hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0001"), 16), /two zero bytes/);
});

test("RFC 7714 §16.1.1: AEAD_AES_128_GCM protect -> the listed packet; unprotect -> the clear packet", () => {
  const gcm = new AesGcmProtector({ encryptionKey: hex("000102030405060708090a0b0c0d0e0f"), authenticationKey: Buffer.alloc(0), salt: hex("517569642070726f2071756f") });
  const payload = hex("47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573");
  const out = gcm.protect({ payloadType: 0x40, sequenceNumber: 0xf17b, timestamp: 0x8041f8d3, ssrc: 0x5501a0b2, marker: false, padding: false, csrc: [], extensions: [] }, payload);
  const expected = hex(`8040f17b 8041f8d3 5501a0b2
    f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833
    899d7f27 beb16a91 52cf765e e4390cce`);
  assert.equal(out?.toString("hex"), expected.toString("hex"));
  const receiver = new AesGcmProtector({ encryptionKey: hex("000102030405060708090a0b0c0d0e0f"), authenticationKey: Buffer.alloc(0), salt: hex("517569642070726f2071756f") });
  assert.equal(receiver.unprotect(expected).toString("hex"), "8040f17b8041f8d35501a0b2" + payload.toString("hex"));
  const tampered = Buffer.from(expected);
  tampered[20]! ^= 1;
  assert.throws(() => receiver.unprotect(tampered), { code: "SRTP_AUTH_FAILED" });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import nacl from "tweetnacl";
import { nativeKeyPair, nativeScalarMult, useNativeX25519 } from "./dtls-crypto.js";

test("werift's ESM bundle does its X25519 with tweetnacl box.keyPair / scalarMult (what useNativeX25519 replaces)", () => {
  const bundle = readFileSync(fileURLToPath(import.meta.resolve("werift")), "utf8"); // the ESM copy the node imports
  assert.match(bundle, /import nacl\d* from "tweetnacl"/);
  assert.match(bundle, /nacl\d*\.box\.keyPair\(\)/);
  assert.match(bundle, /nacl\.scalarMult\(privateKey, publicKey\)/);
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

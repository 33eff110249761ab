/**
 * werift 0.25.2's DTLS does its X25519 ECDHE (the curve it and browsers pick first) with
 * tweetnacl in JavaScript: `nacl.box.keyPair()` (~1.2 ms) and `nacl.scalarMult()` (~0.6 ms)
 * on the event loop, once each per handshake. A batch of 50 viewers joining then blocks the
 * media node's loop for ~90 ms in handshake maths alone while RTP for everyone else waits.
 * Node's own X25519 (OpenSSL) does the same in ~0.04 ms.
 *
 * `useNativeX25519()` replaces those two functions on the tweetnacl module object werift
 * imports (the same instance: ESM resolves "tweetnacl" once per process) with OpenSSL-backed
 * ones of identical results (RFC 7748). werift keeps `keys.secretKey.buffer`, so each result
 * is a fresh Uint8Array owning its whole ArrayBuffer. Inputs OpenSSL refuses (a low-order
 * public key gives an all-zero secret) fall through to tweetnacl, so behaviour is unchanged.
 * dtls-crypto.test.ts checks the results against tweetnacl and fails when werift stops
 * using tweetnacl.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import nacl from "tweetnacl";

const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const INSTALLED = Symbol.for("mediafleet.session.nativeX25519");

type Nacl = typeof nacl & { [INSTALLED]?: { scalarMult: typeof nacl.scalarMult; keyPair: typeof nacl.box.keyPair } };

const privateKeyOf = (raw: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: "der", type: "pkcs8" });
const publicKeyOf = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: "der", type: "spki" });
/** A copy that owns its ArrayBuffer (werift reads `.buffer`). */
const owned = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

function rawPrivate(key: KeyObject): Uint8Array {
  return owned(key.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_X25519_PREFIX.length));
}
function rawPublic(key: KeyObject): Uint8Array {
  return owned(key.export({ format: "der", type: "spki" }).subarray(SPKI_X25519_PREFIX.length));
}

export function nativeScalarMult(secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return owned(diffieHellman({ privateKey: privateKeyOf(secret), publicKey: publicKeyOf(publicKey) }));
}

export function nativeKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  return { publicKey: rawPublic(publicKey), secretKey: rawPrivate(privateKey) };
}

/** Idempotent; returns the tweetnacl functions it replaced (for tests). */
export function useNativeX25519(): { scalarMult: typeof nacl.scalarMult; keyPair: typeof nacl.box.keyPair } {
  const lib = nacl as Nacl;
  if (lib[INSTALLED]) return lib[INSTALLED];
  const original = { scalarMult: lib.scalarMult, keyPair: lib.box.keyPair };
  const native = (n: Uint8Array, p: Uint8Array): Uint8Array => {
    if (n.length !== 32 || p.length !== 32) return original.scalarMult(n, p);
    try {
      return nativeScalarMult(n, p);
    } catch {
      return original.scalarMult(n, p); // e.g. a low-order point: tweetnacl's answer, as before
    }
  };
  const { base, scalarLength, groupElementLength } = original.scalarMult;
  const scalarMult: typeof nacl.scalarMult = Object.assign(native, { base, scalarLength, groupElementLength });
  const keyPair: typeof nacl.box.keyPair = Object.assign(() => nativeKeyPair(), { fromSecretKey: original.keyPair.fromSecretKey });
  lib.scalarMult = scalarMult;
  lib.box.keyPair = keyPair;
  lib[INSTALLED] = original;
  return original;
}

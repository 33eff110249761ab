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
 *
 * Why process-wide, not per node: werift reaches tweetnacl through its own module-level
 * import, so there is no per-connection handle to patch. It is safe to share because the
 * replacement holds nothing of any node (no callback, no per-node counter, no state): every
 * caller in the process gets the same bytes tweetnacl would give, only sooner, and installing
 * it twice (two nodes in one process) keeps the first swap (x25519.test.ts).
 *
 * The registry's "x25519-openssl" check runs a real handshake between werift's DtlsClient and
 * DtlsServer (probe.ts) and requires that it went through the swapped functions: a werift that
 * stopped using this tweetnacl instance would otherwise keep its slow maths without a word.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import nacl from "tweetnacl";
import type { SeamContext, Tweetnacl } from "./context.js";

const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const INSTALLED = Symbol.for("mediafleet.werift.nativeX25519");

interface Swap {
  original: { scalarMult: Tweetnacl["scalarMult"]; keyPair: Tweetnacl["box"]["keyPair"] };
  /** Calls answered by OpenSSL since the swap: what the check reads around its handshake. */
  calls: { keyPair: number; scalarMult: number };
}
type Swappable = Tweetnacl & { [INSTALLED]?: Swap };

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

/** Idempotent; returns the tweetnacl functions it replaced (for tests). `lib` is for tests too. */
export function useNativeX25519(lib: Tweetnacl = nacl): Swap["original"] {
  const target = lib as Swappable;
  const installed = target[INSTALLED];
  if (installed) return installed.original;
  const original = { scalarMult: target.scalarMult, keyPair: target.box.keyPair };
  const calls = { keyPair: 0, scalarMult: 0 };
  const native = (n: Uint8Array, p: Uint8Array): Uint8Array => {
    calls.scalarMult++;
    if (n.length !== 32 || p.length !== 32) return original.scalarMult(n, p);
    try {
      return nativeScalarMult(n, p);
    } catch {
      return original.scalarMult(n, p); // e.g. a low-order point: tweetnacl's answer, as before
    }
  };
  const { base, scalarLength, groupElementLength } = original.scalarMult;
  const scalarMult: Tweetnacl["scalarMult"] = Object.assign(native, { base, scalarLength, groupElementLength });
  const keyPair: Tweetnacl["box"]["keyPair"] = Object.assign(() => (calls.keyPair++, nativeKeyPair()), { fromSecretKey: original.keyPair.fromSecretKey });
  target.scalarMult = scalarMult;
  target.box.keyPair = keyPair;
  target[INSTALLED] = { original, calls };
  return original;
}

/** How often the swap on `lib` answered since it was installed (undefined: not installed). */
export function nativeX25519Calls(lib: Tweetnacl = nacl): Readonly<Swap["calls"]> | undefined {
  const calls = (lib as Swappable)[INSTALLED]?.calls;
  return calls && { ...calls };
}

/** The "x25519-openssl" check: werift's own handshake must have gone through the swap on ctx.tweetnacl. */
export async function x25519Problems(ctx: SeamContext): Promise<string[]> {
  useNativeX25519(ctx.tweetnacl); // what the node runs with (peer factory); idempotent
  let probe;
  try {
    probe = await ctx.probe();
  } catch (error) {
    return [`werift's DTLS handshake could not be run: ${(error as Error).message}`];
  }
  if (probe.namedCurve !== "x25519") return [`werift's DTLS no longer negotiates X25519 first (got ${probe.namedCurve}); the swap would never run`];
  const { keyPair, scalarMult } = probe.nativeCalls;
  const problems: string[] = [];
  if (keyPair < 2) problems.push(`werift's X25519 handshake called tweetnacl box.keyPair ${keyPair} times through the swap (2 expected): werift no longer makes its keys with this tweetnacl`);
  if (scalarMult < 2) problems.push(`werift's X25519 handshake called tweetnacl scalarMult ${scalarMult} times through the swap (2 expected): werift no longer derives its secret with this tweetnacl`);
  return problems;
}

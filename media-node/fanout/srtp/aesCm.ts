/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block i is
 * AES_k(IV + i), where the low 16 bits of the 128-bit IV are zero, so block i only sets the
 * last two bytes. One ECB cipher per key is created once and reused for every packet: ECB has
 * no state between blocks, so `update()` on a fresh block of counters is exactly the keystream,
 * and no cipher object is created per packet (werift makes a new CTR cipher for each packet).
 */
import { createCipheriv, type Cipheriv, type KeyObject } from "node:crypto";

const BLOCK = 16;
/** RFC 3711 §4.1.1: the block counter is 16 bits, so one packet gets at most 2^16 blocks. */
export const MAX_KEYSTREAM_BYTES = 0x10000 * BLOCK;

/**
 * Counter blocks are scratch: filled and consumed inside one synchronous generate(), so ONE
 * buffer serves every keystream in the process instead of one per viewer.
 */
let counters = Buffer.alloc(2048);
let counterView = new DataView(counters.buffer, counters.byteOffset, counters.byteLength);
/** Above this the scratch is not kept (a jumbo request must not pin memory for the process). */
const MAX_KEPT_SCRATCH = 0x10000;

function scratchFor(bytes: number): DataView {
  if (bytes <= counters.length) return counterView;
  const buf = Buffer.alloc(bytes);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes <= MAX_KEPT_SCRATCH) {
    counters = buf;
    counterView = view;
  }
  return view;
}

export class AesCmKeystream {
  private readonly ecb: Cipheriv;

  constructor(key: KeyObject | Uint8Array) {
    this.ecb = createCipheriv("aes-128-ecb", key, null);
    this.ecb.setAutoPadding(false);
  }

  /**
   * Keystream of at least `length` bytes (a whole number of blocks) for the IV whose 32-bit
   * big-endian words are w0..w2 and whose last word's high half is `w3high` (low half = 0).
   */
  generate(w0: number, w1: number, w2: number, w3high: number, length: number): Buffer {
    const blocks = (length + BLOCK - 1) >>> 4;
    if (blocks > 0x10000) throw new RangeError(`AES-CM keystream of ${length} bytes exceeds the 2^16-block counter`);
    const bytes = blocks * BLOCK;
    const view = scratchFor(bytes);
    const high = (w3high & 0xffff) * 0x10000;
    for (let b = 0, at = 0; b < blocks; b++, at += BLOCK) {
      view.setUint32(at, w0);
      view.setUint32(at + 4, w1);
      view.setUint32(at + 8, w2);
      view.setUint32(at + 12, high + b);
    }
    return this.ecb.update(new Uint8Array(view.buffer, view.byteOffset, bytes));
  }
}

/** One-shot keystream for a 16-byte IV (key derivation and test vectors; not the packet path). */
export function aesCmKeystream(key: KeyObject | Uint8Array, iv: Uint8Array, length: number): Buffer {
  if (iv.length !== BLOCK) throw new RangeError(`AES-CM IV must be 16 bytes, got ${iv.length}`);
  if (iv[14] !== 0 || iv[15] !== 0) throw new RangeError("AES-CM IV must end in two zero bytes (the block counter)");
  const view = new DataView(iv.buffer, iv.byteOffset, BLOCK);
  const stream = new AesCmKeystream(key).generate(view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint16(12), length);
  return stream.subarray(0, length);
}

/**
 * dst[dstAt + i] = src[i] ^ keystream[i] for i < src.length. Word-wise when both sides are
 * 4-byte aligned (the packet buffer is laid out so they are), bytes otherwise.
 */
export function xorInto(dst: Buffer, dstAt: number, src: Uint8Array, keystream: Buffer): void {
  const n = src.length;
  dst.set(src, dstAt);
  const start = dst.byteOffset + dstAt;
  const words = n >>> 2;
  if (((start | keystream.byteOffset) & 3) === 0 && words > 0) {
    const d = new Int32Array(dst.buffer, start, words);
    const k = new Int32Array(keystream.buffer, keystream.byteOffset, words);
    for (let i = 0; i < words; i++) d[i] ^= k[i]!;
    for (let i = words << 2; i < n; i++) dst[dstAt + i] ^= keystream[i]!;
    return;
  }
  for (let i = 0; i < n; i++) dst[dstAt + i] ^= keystream[i]!;
}

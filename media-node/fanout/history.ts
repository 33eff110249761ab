/**
 * The packet history: a power-of-two ring indexed by `seq & (size - 1)`. In `shared` mode it
 * holds REFERENCES to the source packets' payload Buffers (one ring per source stream, every
 * viewer served from it); in `perViewer` mode the caller stores copies, which is exactly the
 * memory the shared model saves. Header fields live in typed arrays so an entry costs a slot,
 * not an object.
 */
import { HISTORY_SIZES } from "../config/schema.js";

export interface HistoryEntry {
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
}

/** Fixed cost of the typed arrays and the payload slot array, per ring slot. */
const SLOT_OVERHEAD_BYTES = 4 + 4 + 1 + 8;

export class PacketHistory {
  readonly size: number;
  private readonly mask: number;
  private readonly seqs: Int32Array;
  private readonly timestamps: Uint32Array;
  private readonly markers: Uint8Array;
  private readonly payloads: (Buffer | undefined)[];
  private payloadBytes = 0;
  private count = 0;

  constructor(size: number) {
    if (!(HISTORY_SIZES as readonly number[]).includes(size)) {
      throw new RangeError(`packet history size ${size} is not allowed; use one of ${HISTORY_SIZES.join(", ")}`);
    }
    this.size = size;
    this.mask = size - 1;
    this.seqs = new Int32Array(size).fill(-1);
    this.timestamps = new Uint32Array(size);
    this.markers = new Uint8Array(size);
    this.payloads = new Array<Buffer | undefined>(size).fill(undefined);
  }

  /** Store a packet; whatever held its slot (seq - size, or older) is forgotten. */
  put(seq: number, timestamp: number, marker: boolean, payload: Buffer): void {
    const slot = seq & this.mask;
    const old = this.payloads[slot];
    if (old) this.payloadBytes -= old.length;
    else this.count++;
    this.seqs[slot] = seq;
    this.timestamps[slot] = timestamp;
    this.markers[slot] = marker ? 1 : 0;
    this.payloads[slot] = payload;
    this.payloadBytes += payload.length;
  }

  /** The packet with exactly this sequence number, or undefined when overwritten or never seen. */
  get(seq: number): HistoryEntry | undefined {
    const slot = seq & this.mask;
    const payload = this.payloads[slot];
    if (!payload || this.seqs[slot] !== seq) return undefined;
    return { seq, timestamp: this.timestamps[slot]!, marker: this.markers[slot] === 1, payload };
  }

  packets(): number {
    return this.count;
  }

  /** Payload bytes held plus the fixed per-slot arrays (what mediafleet_nack_history_bytes shows). */
  bytes(): number {
    return this.payloadBytes + this.size * SLOT_OVERHEAD_BYTES;
  }

  clear(): void {
    this.seqs.fill(-1);
    this.payloads.fill(undefined);
    this.payloadBytes = 0;
    this.count = 0;
  }
}

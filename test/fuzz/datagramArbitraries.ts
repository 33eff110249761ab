/**
 * fast-check arbitraries for datagrams on the node's UDP ports: STUN messages (RFC 8489
 * layout, ICE attributes), RTP packets (RFC 3550 header with CSRCs, extension, padding) and
 * RTCP compounds, each built from fields and then damaged by a few byte-level mutations, plus
 * raw bytes. Fields and mutations are data, so a failure shrinks to a short readable case.
 */
import fc from "fast-check";

export type ByteMutation =
  | { op: "set"; at: number; value: number }
  | { op: "flip"; at: number; bit: number }
  | { op: "u16"; at: number; value: number }
  | { op: "truncate"; keep: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; count: number };

const position = fc.nat({ max: 1500 });
export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), at: position, value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.nat({ max: 255 })) }),
  fc.record({ op: fc.constant("flip" as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant("u16" as const), at: position, value: fc.oneof(fc.constantFrom(0, 1, 3, 4, 0x7fff, 0xffff), fc.nat({ max: 0xffff })) }),
  fc.record({ op: fc.constant("truncate" as const), keep: position }),
  fc.record({ op: fc.constant("insert" as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant("delete" as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
);

export function applyByteMutations(input: Uint8Array, mutations: ByteMutation[]): Buffer {
  let data = Buffer.from(input);
  for (const m of mutations) {
    const at = (extra = 0) => (data.length + extra === 0 ? 0 : (m as { at: number }).at % (data.length + extra));
    switch (m.op) {
      case "set":
        if (data.length > 0) data[at()] = m.value;
        break;
      case "flip":
        if (data.length > 0) data[at()] ^= 1 << m.bit;
        break;
      case "u16":
        if (data.length >= 2) data.writeUInt16BE(m.value, at() - (at() === data.length - 1 ? 1 : 0));
        break;
      case "truncate":
        data = data.subarray(0, m.keep % (data.length + 1));
        break;
      case "insert": {
        const i = at(1);
        data = Buffer.concat([data.subarray(0, i), m.bytes, data.subarray(i)]);
        break;
      }
      case "delete": {
        const i = at();
        data = Buffer.concat([data.subarray(0, i), data.subarray(i + m.count)]);
        break;
      }
    }
  }
  return Buffer.from(data);
}

export interface BuiltDatagram { fields: unknown; mutations: ByteMutation[]; bytes: Buffer }

/** Any bytes at all, up to a full MTU. */
export const rawBytes: fc.Arbitrary<BuiltDatagram> = fc
  .uint8Array({ maxLength: 1500 })
  .map((bytes) => ({ fields: "raw", mutations: [], bytes: Buffer.from(bytes) }));
const mutated = <T>(fields: fc.Arbitrary<T>, build: (f: T) => Buffer, maxMutations = 3): fc.Arbitrary<BuiltDatagram> =>
  fc
    .record({ fields, mutations: fc.array(byteMutation, { maxLength: maxMutations }) })
    .map(({ fields: f, mutations }) => ({ fields: f, mutations, bytes: applyByteMutations(build(f), mutations) }));

// --- STUN ---------------------------------------------------------------------------------

export interface StunFields { type: number; transactionId: Uint8Array; attributes: Array<{ type: number; value: Uint8Array }>; cookie: number }

export function buildStun(f: StunFields): Buffer {
  const body = Buffer.concat(
    f.attributes.map(({ type, value }) => {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(type, 0);
      head.writeUInt16BE(value.length, 2);
      return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
  const header = Buffer.alloc(20);
  header.writeUInt16BE(f.type, 0);
  header.writeUInt16BE(body.length & 0xffff, 2);
  header.writeUInt32BE(f.cookie, 4);
  Buffer.from(f.transactionId).copy(header, 8);
  return Buffer.concat([header, body]);
}

const text = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));

/** STUN attributes ICE uses, with values of the right size most of the time. */
function stunAttribute(ufrags: string[]) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ufrags, "", "x"), fc.constantFrom(...ufrags, "", "y")).map(([a, b]) => ({ type: 0x0006, value: text(`${a}:${b}`) })) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 600 }).map((s) => ({ type: 0x0006, value: text(s) })) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((value) => ({ type: 0x0024, value })) }, // PRIORITY
    { weight: 1, arbitrary: fc.constant({ type: 0x0025, value: new Uint8Array(0) }) }, // USE-CANDIDATE
    { weight: 1, arbitrary: fc.record({ type: fc.constantFrom(0x8029, 0x802a), value: fc.uint8Array({ minLength: 8, maxLength: 8 }) }) }, // ICE-CONTROLLED/-CONTROLLING
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((value) => ({ type: 0x0008, value })) }, // MESSAGE-INTEGRITY
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((value) => ({ type: 0x8028, value })) }, // FINGERPRINT
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 8, maxLength: 20 }).map((value) => ({ type: 0x0020, value })) }, // XOR-MAPPED-ADDRESS
    { weight: 1, arbitrary: fc.record({ type: fc.nat({ max: 0xffff }), value: fc.uint8Array({ maxLength: 40 }) }) },
  );
}

/** STUN messages ICE would send (binding request/indication/responses), mostly with the given ufrags. */
export function stunArbitrary(ufrags: string[] = ["abcd", "efgh"]): fc.Arbitrary<BuiltDatagram> {
  const fields: fc.Arbitrary<StunFields> = fc.record({
    type: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0x0001, 0x0101, 0x0111, 0x0011) }, { weight: 1, arbitrary: fc.nat({ max: 0x3fff }) }),
    transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    attributes: fc.array(stunAttribute(ufrags), { maxLength: 6 }),
    cookie: fc.oneof({ weight: 9, arbitrary: fc.constant(0x2112a442) }, { weight: 1, arbitrary: fc.nat() }),
  });
  return fc.oneof({ weight: 6, arbitrary: mutated(fields, buildStun) }, { weight: 1, arbitrary: rawBytes });
}

// --- RTP ----------------------------------------------------------------------------------

export interface RtpFields {
  version: number; marker: boolean; payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number;
  csrcs: number[]; extension?: { profile: number; words: Uint8Array }; payload: Uint8Array; padding: number;
}

export function buildRtp(f: RtpFields): Buffer {
  const head = Buffer.alloc(12 + f.csrcs.length * 4);
  head[0] = (f.version << 6) | (f.padding > 0 ? 0x20 : 0) | (f.extension ? 0x10 : 0) | (f.csrcs.length & 0x0f);
  head[1] = (f.marker ? 0x80 : 0) | (f.payloadType & 0x7f);
  head.writeUInt16BE(f.sequenceNumber, 2);
  head.writeUInt32BE(f.timestamp, 4);
  head.writeUInt32BE(f.ssrc, 8);
  f.csrcs.forEach((c, i) => head.writeUInt32BE(c, 12 + i * 4));
  const parts: Buffer[] = [head];
  if (f.extension) {
    const ext = Buffer.alloc(4);
    ext.writeUInt16BE(f.extension.profile, 0);
    ext.writeUInt16BE(f.extension.words.length / 4, 2);
    parts.push(ext, Buffer.from(f.extension.words));
  }
  parts.push(Buffer.from(f.payload));
  if (f.padding > 0) parts.push(Buffer.concat([Buffer.alloc(f.padding - 1), Buffer.from([f.padding])]));
  return Buffer.concat(parts);
}

export const rtpFields: fc.Arbitrary<RtpFields> = fc.record({
  version: fc.oneof({ weight: 9, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) }),
  marker: fc.boolean(),
  payloadType: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(96, 111) }, { weight: 1, arbitrary: fc.nat({ max: 127 }) }),
  sequenceNumber: fc.nat({ max: 0xffff }),
  timestamp: fc.nat({ max: 0xffffffff }),
  ssrc: fc.nat({ max: 0xffffffff }),
  csrcs: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
  extension: fc.option(
    fc.record({ profile: fc.constantFrom(0xbede, 0x1000, 0), words: fc.nat({ max: 6 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 })) }),
    { nil: undefined },
  ),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    // VP8 payload descriptors the fan-out's keyframe check reads
    fc.tuple(fc.constantFrom(0x10, 0x90, 0x00, 0x80), fc.uint8Array({ maxLength: 16 })).map(([d, rest]) => Uint8Array.from([d, ...rest])),
  ),
  padding: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 255 }) }),
});

export const rtpArbitrary: fc.Arbitrary<BuiltDatagram> = fc.oneof({ weight: 6, arbitrary: mutated(rtpFields, buildRtp) }, { weight: 1, arbitrary: rawBytes });

// --- RTCP ---------------------------------------------------------------------------------

/** One RTCP packet: SR, RR, SDES, BYE, APP, RTPFB (generic NACK, TWCC), PSFB (PLI, FIR, REMB), XR. */
const rtcpPacket = fc
  .record({
    count: fc.nat({ max: 31 }),
    type: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(200, 201, 202, 203, 204, 205, 206, 207) }, { weight: 1, arbitrary: fc.nat({ max: 255 }) }),
    body: fc.nat({ max: 12 }).chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })),
    fmt: fc.constantFrom(1, 15, 1, 4, 15),
  })
  .map(({ count, type, body, fmt }) => {
    const head = Buffer.alloc(4);
    head[0] = 0x80 | ((type === 205 || type === 206 ? fmt : count) & 0x1f);
    head[1] = type;
    head.writeUInt16BE(body.length / 4, 2);
    return Buffer.concat([head, Buffer.from(body)]);
  });

export const rtcpArbitrary: fc.Arbitrary<BuiltDatagram> = fc.oneof(
  { weight: 6, arbitrary: mutated(fc.array(rtcpPacket, { minLength: 1, maxLength: 4 }), (packets) => Buffer.concat(packets)) },
  { weight: 1, arbitrary: rawBytes },
);

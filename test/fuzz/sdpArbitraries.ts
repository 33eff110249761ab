/**
 * fast-check arbitraries for SDP bodies: real offers (corpus.ts) with a few line- and
 * token-level mutations each, offers assembled from scratch out of plausible lines, and
 * plain garbage. A mutation is data (`SdpMutation`), so fast-check shrinks a failing case to
 * the fewest, simplest edits of one real offer and prints them.
 */
import fc from "fast-check";
import { FRAGMENTS, OFFERS, type OfferName } from "./corpus.js";

/** Values that sit on the edges of what the grammar allows, or that trip lax readers. */
export const EDGE_TOKENS = [
  "", "0", "1", "-1", "00", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296", "99999999999999999999",
  "NaN", "Infinity", "0x10", "1e3", "1.5", " ", "  ", "*", ":", "/", "=", ";", "__proto__", "constructor", "toString", "hasOwnProperty",
  "undefined", "null", "actpass", "active", "passive", "holdconn", "sha-256", "SHA-256", "md5", "00:11", "VP8/90000", "vp8/90000",
  "H264/90000", "opus/48000/2", "rtx/90000", "VP8/0", "VP8/90000/0", "a".repeat(300), "é", "\u0000", "\t", "\r", "\u2028", "\uFEFF",
  "::1", "0.0.0.0", "127.0.0.1", "255.255.255.255", "1.2.3.4.5", "fe80::1%eth0", "x.local", "a..local", "localhost", "example.com",
  "BUNDLE", "WMS", "webrtc-datachannel", "UDP/DTLS/SCTP", "RTP/AVP", "UDP/TLS/RTP/SAVPF", "typ", "host", "srflx", "prflx", "relay",
  "udp", "tcp", "raddr", "rport", "sendonly", "recvonly", "sendrecv", "inactive", "audio", "video", "application", "text",
];

const edgeToken = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_TOKENS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 70000 }).map(String) },
);

/** Line starts that reach every branch of an SDP reader (ours and werift's). */
export const LINE_PREFIXES = [
  "v=", "o=", "s=", "t=", "c=IN IP4 ", "c=", "b=AS:", "i=", "k=", "z=", "x=", "m=video 9 UDP/TLS/RTP/SAVPF ", "m=audio 9 UDP/TLS/RTP/SAVPF ",
  "m=video 0 UDP/TLS/RTP/SAVPF ", "m=application 9 UDP/DTLS/SCTP ", "m=text 9 UDP/TLS/RTP/SAVPF ", "m=", "a=mid:", "a=mid", "a=group:BUNDLE ",
  "a=group:", "a=group", "a=msid-semantic:", "a=msid-semantic", "a=ice-ufrag:", "a=ice-pwd:", "a=ice-lite", "a=ice-options:",
  "a=fingerprint:sha-256 ", "a=fingerprint:", "a=setup:", "a=setup", "a=rtpmap:96 ", "a=rtpmap:", "a=rtpmap", "a=fmtp:96 ", "a=fmtp:",
  "a=fmtp", "a=rtcp-fb:96 ", "a=rtcp-fb:", "a=rtcp-fb", "a=extmap:", "a=extmap", "a=ssrc:", "a=ssrc", "a=ssrc-group:FID ", "a=ssrc-group",
  "a=rid:", "a=rid", "a=simulcast:", "a=rtcp:", "a=rtcp", "a=rtcp-mux", "a=sctp-port:", "a=sctp-port", "a=sctpmap:", "a=max-message-size:",
  "a=candidate:1 1 udp 2130706431 127.0.0.1 ", "a=candidate:", "a=candidate", "a=end-of-candidates", "a=sendonly", "a=recvonly",
  "a=inactive", "a=msid:", "a=extmap-allow-mixed", "a=bundle-only",
];

const interestingLine = fc.oneof(
  fc.tuple(fc.constantFrom(...LINE_PREFIXES), edgeToken).map(([p, v]) => p + v),
  fc.constantFrom(...Object.values(OFFERS).flatMap((o) => o.split("\r\n").filter(Boolean))),
);

export type SdpMutation =
  | { op: "delete"; at: number }
  | { op: "duplicate"; at: number; to: number }
  | { op: "move"; at: number; to: number }
  | { op: "insert"; to: number; line: string }
  | { op: "replace"; at: number; line: string }
  | { op: "token"; at: number; token: number; value: string }
  | { op: "cut"; at: number; keep: number }
  | { op: "char"; at: number; pos: number; char: string }
  | { op: "lineEnds"; style: "\n" | "\r" | "mixed" | "none" }
  | { op: "truncate"; keep: number };

const index = fc.nat({ max: 400 });
export const sdpMutation: fc.Arbitrary<SdpMutation> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: index }),
  fc.record({ op: fc.constant("duplicate" as const), at: index, to: index }),
  fc.record({ op: fc.constant("move" as const), at: index, to: index }),
  fc.record({ op: fc.constant("insert" as const), to: index, line: interestingLine }),
  fc.record({ op: fc.constant("replace" as const), at: index, line: interestingLine }),
  fc.record({ op: fc.constant("token" as const), at: index, token: fc.nat({ max: 20 }), value: edgeToken }),
  fc.record({ op: fc.constant("cut" as const), at: index, keep: fc.nat({ max: 120 }) }),
  fc.record({ op: fc.constant("char" as const), at: index, pos: fc.nat({ max: 120 }), char: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) }),
  fc.record({ op: fc.constant("lineEnds" as const), style: fc.constantFrom("\n" as const, "\r" as const, "mixed" as const, "none" as const) }),
  fc.record({ op: fc.constant("truncate" as const), keep: fc.nat({ max: 10_000 }) }),
);

/** Applies mutations to "\r\n" lines; indices wrap around the current line count. */
export function applyMutations(sdp: string, mutations: SdpMutation[]): string {
  const lines = sdp.split("\r\n");
  if (lines.at(-1) === "") lines.pop();
  let eol: SdpMutation & { op: "lineEnds" } = { op: "lineEnds", style: "none" };
  let keep: number | undefined;
  const wrap = (i: number, extra = 0) => (lines.length + extra === 0 ? 0 : i % (lines.length + extra));
  for (const m of mutations) {
    switch (m.op) {
      case "delete":
        lines.splice(wrap(m.at), 1);
        break;
      case "duplicate":
        if (lines.length > 0) lines.splice(wrap(m.to, 1), 0, lines[wrap(m.at)]!);
        break;
      case "move": {
        if (lines.length === 0) break;
        const [line] = lines.splice(wrap(m.at), 1);
        lines.splice(wrap(m.to, 1), 0, line!);
        break;
      }
      case "insert":
        lines.splice(wrap(m.to, 1), 0, m.line);
        break;
      case "replace":
        if (lines.length > 0) lines[wrap(m.at)] = m.line;
        break;
      case "token": {
        if (lines.length === 0) break;
        const i = wrap(m.at);
        const parts = lines[i]!.split(/([ :/=;])/);
        const tokens = parts.map((p, k) => (k % 2 === 0 ? k : -1)).filter((k) => k >= 0);
        parts[tokens[m.token % tokens.length]!] = m.value;
        lines[i] = parts.join("");
        break;
      }
      case "cut":
        if (lines.length > 0) lines[wrap(m.at)] = lines[wrap(m.at)]!.slice(0, m.keep);
        break;
      case "char": {
        if (lines.length === 0) break;
        const i = wrap(m.at);
        const line = lines[i]!;
        const pos = m.pos % (line.length + 1);
        lines[i] = line.slice(0, pos) + m.char + line.slice(pos + 1);
        break;
      }
      case "lineEnds":
        eol = m;
        break;
      case "truncate":
        keep = m.keep;
        break;
    }
  }
  let out: string;
  if (eol.style === "mixed") out = lines.map((l, i) => l + (i % 3 === 1 ? "\n" : "\r\n")).join("");
  else out = lines.join(eol.style === "none" ? "\r\n" : eol.style) + (eol.style === "none" ? "\r\n" : eol.style);
  return keep === undefined ? out : out.slice(0, Math.round((keep / 10_000) * out.length));
}

export interface MutatedText { base: string; mutations: SdpMutation[]; text: string }

/** A corpus text with 1-`max` mutations. */
export function mutatedFrom<K extends string>(bases: Record<K, string>, names: K[], max = 4): fc.Arbitrary<MutatedText> {
  return fc
    .record({ base: fc.constantFrom(...names), mutations: fc.array(sdpMutation, { minLength: 1, maxLength: max }) })
    .map(({ base, mutations }) => ({ base, mutations, text: applyMutations(bases[base], mutations) }));
}

/** An offer assembled from plausible lines: reaches the accept path in shapes no client sends. */
const assembledOffer: fc.Arbitrary<MutatedText> = fc
  .array(
    fc.record({
      head: fc.constantFrom("m=video 9 UDP/TLS/RTP/SAVPF", "m=audio 9 UDP/TLS/RTP/SAVPF", "m=video 0 UDP/TLS/RTP/SAVPF", "m=application 9 UDP/DTLS/SCTP"),
      pts: fc.array(fc.constantFrom(0, 96, 97, 98, 111, 127), { minLength: 1, maxLength: 3 }),
      mid: fc.constantFrom("0", "1", "2", "audio", "video"),
      codec: fc.constantFrom("VP8/90000", "H264/90000", "opus/48000/2", "VP9/90000", "rtx/90000", "PCMU/8000"),
      extra: fc.array(interestingLine, { maxLength: 4 }),
      direction: fc.constantFrom("a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive", ""),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .chain((sections) =>
    fc.constant({
      base: "assembled",
      mutations: [],
      text: [
        "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", `a=group:BUNDLE ${sections.map((s) => s.mid).join(" ")}`,
        "a=ice-ufrag:abcd", "a=ice-pwd:0123456789abcdef01234567", "a=fingerprint:sha-256 00:11:22", "a=setup:actpass",
        ...sections.flatMap((s) => [
          s.head.startsWith("m=application") ? `${s.head} webrtc-datachannel` : `${s.head} ${s.pts.join(" ")}`,
          `a=mid:${s.mid}`,
          ...(s.head.startsWith("m=application") ? ["a=sctp-port:5000"] : [`a=rtpmap:${s.pts[0]} ${s.codec}`]),
          s.direction,
          ...s.extra,
        ]),
      ].filter(Boolean).join("\r\n") + "\r\n",
    }),
  );

const garbage: fc.Arbitrary<MutatedText> = fc
  .oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), fc.string({ maxLength: 100 }).map((s) => `v=0\r\n${s}`))
  .map((text) => ({ base: "garbage", mutations: [], text }));

/** What the WHIP/WHEP fuzzers POST: mostly mutated real offers. */
export function offerArbitrary(names: OfferName[]): fc.Arbitrary<MutatedText> {
  return fc.oneof({ weight: 8, arbitrary: mutatedFrom(OFFERS, names) }, { weight: 1, arbitrary: assembledOffer }, { weight: 1, arbitrary: garbage });
}

/** What the trickle fuzzer PATCHes: mutated fragments, candidate lines from the offers, garbage. */
export const fragmentArbitrary: fc.Arbitrary<MutatedText> = fc.oneof(
  { weight: 8, arbitrary: mutatedFrom(Object.fromEntries(FRAGMENTS.map((f, i) => [`fragment${i}`, f])), FRAGMENTS.map((_, i) => `fragment${i}`)) },
  { weight: 1, arbitrary: garbage },
);

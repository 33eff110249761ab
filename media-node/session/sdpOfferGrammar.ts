/**
 * Line-level SDP grammar for what a client sends us (RFC 8866 lines, RFC 8839 ICE, RFC 8122
 * fingerprints, RFC 8842 setup, RFC 8843 mid, RFC 8285 extmap, RFC 4585 rtcp-fb). Pure: each
 * check returns a problem sentence, or undefined when the value is fine. Shared by the offer
 * validator (sdpOffer.ts) and the trickle PATCH reader (http/sdpfrag.ts), so a candidate is
 * judged the same way in both.
 *
 * The rules are those of the standards, narrowed where werift (0.25.2) would otherwise throw
 * or misread: werift splits on single spaces and on "\r\n" (or "\n" when there is no "\r\n"),
 * and reads several values without checking they exist.
 */
import { isIP } from "node:net";

/** One line of a body: its 1-based number, type letter and the text after "x=". */
export interface SdpLine { n: number; type: string; value: string; text: string }

/** RFC 8866 §9 token-char. */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
/** RFC 8839 ice-char. */
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
const HEX_PAIRS = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/;
const DIGITS = /^[0-9]{1,10}$/;
/** RFC 8122 §5 hash function names (IANA registry). */
const HASH_FUNCTIONS = new Set(["sha-1", "sha-224", "sha-256", "sha-384", "sha-512", "md5", "md2"]);
const CANDIDATE_TYPES = new Set(["host", "srflx", "prflx", "relay"]);

/** A short, printable quote of a line for error messages. */
export function quote(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** A decimal integer in [min, max] (no sign, no fraction), else undefined. */
export function intIn(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !DIGITS.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/**
 * Splits a body into lines the way a strict reader sees them: an optional BOM, "\r\n" or "\n"
 * line ends, blank lines skipped, each line `<letter>=<value>` with no control characters.
 * Calls `fail` with a sentence naming the first bad line.
 */
export function sdpLines(body: string, fail: (problem: string) => never): SdpLine[] {
  const lines: SdpLine[] = [];
  const raw = body.replace(/^\uFEFF/, "").split("\n");
  for (let i = 0; i < raw.length; i++) {
    const text = raw[i]!.replace(/\r$/, "").replace(/^ +| +$/g, "");
    if (text === "") continue;
    // eslint-disable-next-line no-control-regex
    const control = /[\u0000-\u001f\u007f]/.exec(text);
    if (control) fail(`line ${i + 1} contains the control character U+${control[0].charCodeAt(0).toString(16).padStart(4, "0")}`);
    if (!/^[a-z]=/.test(text)) fail(`line ${i + 1} is not an SDP line (<letter>=<value>): ${quote(text, 40)}`);
    lines.push({ n: i + 1, type: text[0]!, value: text.slice(2), text });
  }
  return lines;
}

/** "a=name:value" -> [name, value]; "a=flag" -> [flag, undefined] (as werift reads it). */
export function splitAttribute(value: string): [string, string | undefined] {
  const colon = value.indexOf(":");
  return colon < 0 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
}

/** The value of a=candidate (without "candidate:"): RFC 8839 §5.1 with IP or mDNS addresses. */
export function checkCandidate(value: string | undefined): string | undefined {
  if (!value) return "a=candidate has no value";
  const f = value.split(" ");
  if (f.length < 8 || f[6] !== "typ") return "a=candidate needs <foundation> <component> <transport> <priority> <address> <port> typ <type>";
  const [foundation, component, transport, priority, address, port, , type] = f as [string, string, string, string, string, string, string, string];
  if (foundation.length > 32 || !ICE_CHARS.test(foundation)) return `a=candidate foundation ${quote(foundation, 40)} must be 1-32 ice-chars`;
  if (intIn(component, 1, 256) === undefined) return `a=candidate component ${quote(component, 20)} must be 1-256`;
  if (!/^(udp|tcp)$/i.test(transport)) return `a=candidate transport ${quote(transport, 20)} must be UDP or TCP`;
  if (intIn(priority, 1, 0xffffffff) === undefined) return `a=candidate priority ${quote(priority, 20)} must be 1-4294967295`;
  const addressProblem = checkCandidateAddress(address);
  if (addressProblem) return `a=candidate address ${addressProblem}`;
  if (intIn(port, 1, 65535) === undefined) return `a=candidate port ${quote(port, 20)} must be 1-65535`;
  if (!CANDIDATE_TYPES.has(type)) return `a=candidate type ${quote(type, 20)} must be host, srflx, prflx or relay`;
  const rest = f.slice(8);
  if (rest.length % 2 !== 0) return "a=candidate extensions must be <name> <value> pairs";
  for (let i = 0; i < rest.length; i += 2) {
    const [name, v] = [rest[i]!, rest[i + 1]!];
    if (!TOKEN.test(name) || v === "") return `a=candidate extension ${quote(name, 20)} is malformed`;
    if (name === "raddr" && checkCandidateAddress(v)) return `a=candidate raddr ${checkCandidateAddress(v)}`;
    if (name === "rport" && intIn(v, 0, 65535) === undefined) return `a=candidate rport ${quote(v, 20)} must be 0-65535`;
    if (name === "generation" && intIn(v, 0, 0xffffffff) === undefined) return `a=candidate generation ${quote(v, 20)} must be an integer`;
  }
  return undefined;
}

/** An IP literal, or an mDNS name (RFC 8839 host candidates obfuscated as <uuid>.local). */
function checkCandidateAddress(address: string): string | undefined {
  if (isIP(address) !== 0) return undefined;
  if (/^[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*\.local$/i.test(address)) return undefined;
  return `${quote(address, 40)} must be an IP address or an mDNS .local name`;
}

export const checkIceUfrag = (v: string | undefined) =>
  v !== undefined && v.length >= 4 && v.length <= 256 && ICE_CHARS.test(v) ? undefined : "a=ice-ufrag must be 4-256 ice-chars (A-Z a-z 0-9 + /)";
export const checkIcePwd = (v: string | undefined) =>
  v !== undefined && v.length >= 22 && v.length <= 256 && ICE_CHARS.test(v) ? undefined : "a=ice-pwd must be 22-256 ice-chars (A-Z a-z 0-9 + /)";

export function checkFingerprint(v: string | undefined): string | undefined {
  const [hash, hex, ...extra] = (v ?? "").split(" ");
  if (!hash || !hex || extra.length > 0) return "a=fingerprint needs <hash-function> <hex pairs>";
  if (!HASH_FUNCTIONS.has(hash.toLowerCase())) return `a=fingerprint hash function ${quote(hash, 20)} is not one of sha-1, sha-224, sha-256, sha-384, sha-512`;
  if (!HEX_PAIRS.test(hex)) return "a=fingerprint value must be colon-separated hex pairs";
  return undefined;
}

export const checkSetup = (v: string | undefined) =>
  v === "actpass" || v === "active" || v === "passive" ? undefined : `a=setup ${quote(v ?? "", 20)} must be actpass, active or passive`;

export const checkMid = (v: string | undefined) =>
  v !== undefined && v.length <= 64 && TOKEN.test(v) ? undefined : "a=mid must be a token of 1-64 characters";

/**
 * Clock rates fixed by the RTP payload formats of the codecs the node negotiates (RFC 7741
 * VP8, RFC 6184 H264, RFC 7587 Opus). werift pairs codecs by name AND clock rate, so "VP8/9000"
 * would be a VP8 it cannot receive (and a viewer told the wrong clock).
 */
export const STANDARD_CLOCK_RATES: Readonly<Record<string, number>> = { vp8: 90000, h264: 90000, opus: 48000 };

/** a=rtpmap:<pt> <name>/<clock rate>[/<channels>] -> its payload type, or a problem. */
export function parseRtpmap(v: string | undefined): { pt: number; name: string; clockRate: number } | string {
  const m = /^([0-9]{1,3}) ([A-Za-z0-9_.+-]{1,32})\/([0-9]{1,10})(?:\/([0-9]{1,3}))?$/.exec(v ?? "");
  if (!m) return "a=rtpmap must be <payload type> <encoding>/<clock rate>[/<channels>]";
  const pt = intIn(m[1], 0, 127);
  if (pt === undefined) return `a=rtpmap payload type ${m[1]} must be 0-127`;
  const clockRate = intIn(m[3], 1, 0xffffffff);
  if (clockRate === undefined) return `a=rtpmap clock rate ${m[3]} must be 1-4294967295`;
  if (m[4] !== undefined && intIn(m[4], 1, 255) === undefined) return `a=rtpmap channels ${m[4]} must be 1-255`;
  const standard = STANDARD_CLOCK_RATES[m[2]!.toLowerCase()];
  if (standard !== undefined && clockRate !== standard) return `a=rtpmap ${m[2]} runs at ${standard} Hz, not ${clockRate}`;
  return { pt, name: m[2]!, clockRate };
}

/** a=fmtp:<pt> <parameters> -> its payload type, or a problem. */
export function parseFmtp(v: string | undefined): number | string {
  const m = /^([0-9]{1,3}) (\S.*)$/.exec(v ?? "");
  const pt = m ? intIn(m[1], 0, 127) : undefined;
  return pt ?? "a=fmtp must be <payload type 0-127> <parameters>";
}

/** a=rtcp-fb:<pt|*> <type>[ <parameter>] -> the payload type ("*" for all), or a problem. */
export function parseRtcpFb(v: string | undefined): number | "*" | string {
  const m = /^(\*|[0-9]{1,3}) ([!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+)( \S.*)?$/.exec(v ?? "");
  if (!m) return "a=rtcp-fb must be <payload type|*> <feedback type>[ <parameter>]";
  if (m[1] === "*") return "*";
  return intIn(m[1], 0, 127) ?? "a=rtcp-fb payload type must be 0-127 or *";
}

export function checkExtmap(v: string | undefined): string | undefined {
  const m = /^([0-9]{1,5})(\/(sendonly|recvonly|sendrecv|inactive))? (\S+)( \S.*)?$/.exec(v ?? "");
  if (!m) return "a=extmap must be <id>[/<direction>] <URI>[ <attributes>]";
  return intIn(m[1], 1, 255) === undefined ? `a=extmap id ${m[1]} must be 1-255` : undefined;
}

/** a=group / a=msid-semantic / a=ssrc-group: "<semantics>[ <item>...]" (Chromium writes "a=msid-semantic: WMS"). */
export function checkGroup(name: string, v: string | undefined): string | undefined {
  const bits = (v ?? "").trim().split(" ");
  if (!bits[0] || !TOKEN.test(bits[0]) || bits.slice(1).some((b) => !TOKEN.test(b))) return `a=${name} must be <semantics> followed by tokens`;
  return undefined;
}

export function checkSsrc(v: string | undefined): string | undefined {
  const m = /^([0-9]{1,10}) ([!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+)(:.*)?$/.exec(v ?? "");
  if (!m || intIn(m[1], 0, 0xffffffff) === undefined) return "a=ssrc must be <ssrc 0-4294967295> <attribute>[:<value>]";
  return undefined;
}

export const checkRid = (v: string | undefined) =>
  /^[A-Za-z0-9_-]{1,255} (send|recv)( \S.*)?$/.test(v ?? "") ? undefined : "a=rid must be <rid-id> send|recv[ <restrictions>]";

/** a=rtcp (RFC 3605): "<port>[ IN IP4|IP6 <address>]". */
export function checkRtcp(v: string | undefined): string | undefined {
  const m = /^([0-9]{1,5})( IN IP[46] [^ ]+)?$/.exec(v ?? "");
  return m && intIn(m[1], 0, 65535) !== undefined ? undefined : "a=rtcp must be <port>[ IN IP4|IP6 <address>]";
}

/** c=IN IP4|IP6 <address> (werift reads nothing else). */
export const checkConnection = (v: string) =>
  /^IN IP[46] [^ /]+$/.test(v) ? undefined : "c= must be IN IP4|IP6 <address>";

/** Values werift reads with Number.parseInt and uses as sizes and ports. */
export const checkSctpPort = (v: string | undefined) => (intIn(v, 0, 65535) === undefined ? "a=sctp-port must be 0-65535" : undefined);
export const checkMaxMessageSize = (v: string | undefined) => (intIn(v, 0, 0xffffffff) === undefined ? "a=max-message-size must be an integer" : undefined);
export const checkSctpmap = (v: string | undefined) =>
  /^[0-9]{1,5} [!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+( [0-9]{1,5})?$/.test(v ?? "") && intIn(v!.split(" ")[0], 0, 65535) !== undefined
    ? undefined
    : "a=sctpmap must be <port> <application>[ <streams>]";

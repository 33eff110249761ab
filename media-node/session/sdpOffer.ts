/**
 * The boundary check of an SDP offer, before werift sees it: the whole text is read line by
 * line against the grammar (sdpOfferGrammar.ts) and the WebRTC rules werift relies on
 * without checking (every m-section has a unique a=mid, ICE credentials, a DTLS fingerprint
 * and setup role; a=fmtp names a payload type with an a=rtpmap). A bad offer is a SessionError
 * (400) whose message names the line and what is wrong with it; the route counts it
 * (`malformedInput{kind:"sdp"}`). A good one comes back re-joined with "\r\n" line ends, so
 * werift reads exactly the lines that were checked, less two it would trip on although they
 * are valid: `a=rtcp:<port>` without an address, and `a=end-of-candidates` after candidates it
 * cannot pair (it would fail ICE in the middle of the negotiation). Pure.
 */
import { SessionError } from "./errors.js";
import {
  checkCandidate, checkConnection, checkExtmap, checkFingerprint, checkGroup, checkIcePwd, checkIceUfrag, checkMaxMessageSize,
  checkMid, checkRid, checkRtcp, checkSctpPort, checkSctpmap, checkSetup, checkSsrc, intIn, parseFmtp, parseRtcpFb, parseRtpmap,
  quote, sdpLines, splitAttribute, type SdpLine,
} from "./sdpOfferGrammar.js";

export interface OfferedCodec { payloadType: number; name: string; clockRate: number }
export interface OfferedMedia { kind: string; port: number; mid: string; codecs: OfferedCodec[] }
export interface ValidatedOffer { /** The checked offer, "\r\n" line ends: give werift this text. */ sdp: string; media: OfferedMedia[] }

/** More than any WHIP/WHEP client sends; each section costs werift a transceiver (and, unbundled, an ICE agent). */
export const MAX_MEDIA_SECTIONS = 16;
/** Each remote candidate becomes connectivity checks the node sends: bounded, so an offer cannot aim it at many hosts. */
export const MAX_CANDIDATES_PER_SECTION = 32;

const SESSION_LINE_TYPES = new Set("vosiuepcbtrzka");
const MEDIA_LINE_TYPES = new Set("icbka");
const RTP_PROTO = /^(UDP\/TLS\/|TCP\/DTLS\/|TCP\/TLS\/)?RTP\/SAVPF?$/;
const SCTP_PROTO = /^(UDP\/DTLS\/SCTP|TCP\/DTLS\/SCTP|DTLS\/SCTP)$/;

interface Transport { ufrag?: string; pwd?: string; fingerprint?: boolean; setup?: string }
interface Section extends Transport {
  line: SdpLine;
  kind: string;
  port: number;
  fmt: string[];
  mid?: string;
  codecs: Map<number, OfferedCodec>;
  fmtp: Array<{ pt: number; line: SdpLine }>;
  candidates: number;
  /** Some candidate werift 0.25.2 can pair: UDP, component 1, host/srflx/relay (it drops prflx). */
  pairable: boolean;
  /** Where this section's a=end-of-candidates lines are in the text werift gets. */
  endOfCandidates: number[];
}

const malformed = (problem: string): never => {
  throw new SessionError("MALFORMED_SDP", problem);
};
const at = (line: SdpLine, problem: string): never => malformed(`line ${line.n} ${quote(line.text, 48)}: ${problem}`);

function parseMediaLine(line: SdpLine): Section {
  const [kind = "", port = "", proto = "", ...fmt] = line.value.split(" ");
  if (fmt.length === 0 || fmt.includes("")) at(line, "an m-line is m=<media> <port> <proto> <format>... separated by single spaces");
  if (!["audio", "video", "application"].includes(kind)) at(line, `media type ${quote(kind, 20)} is not supported (audio, video or application)`);
  const portNumber = intIn(port, 0, 65535);
  if (portNumber === undefined) at(line, `port ${quote(port, 20)} must be 0-65535`);
  if (kind === "application") {
    if (!SCTP_PROTO.test(proto)) at(line, `proto ${quote(proto, 30)} must be UDP/DTLS/SCTP for application`);
    if (fmt.some((f) => f !== "webrtc-datachannel" && intIn(f, 0, 65535) === undefined)) at(line, "an application m-line's format is webrtc-datachannel");
  } else {
    if (!RTP_PROTO.test(proto)) at(line, `proto ${quote(proto, 30)} must be UDP/TLS/RTP/SAVPF (DTLS-SRTP)`);
    const bad = fmt.find((f) => intIn(f, 0, 127) === undefined);
    if (bad !== undefined) at(line, `payload type ${quote(bad, 20)} must be 0-127`);
  }
  return { line, kind, port: portNumber!, fmt, codecs: new Map(), fmtp: [], candidates: 0, pairable: false, endOfCandidates: [] };
}

/** Attributes werift reads at both levels (transport parameters). True when handled. */
function transportAttribute(line: SdpLine, name: string, value: string | undefined, into: Transport): boolean {
  const check = (problem: string | undefined) => problem && at(line, problem);
  switch (name) {
    case "ice-ufrag":
      check(checkIceUfrag(value));
      into.ufrag = value;
      return true;
    case "ice-pwd":
      check(checkIcePwd(value));
      into.pwd = value;
      return true;
    case "fingerprint":
      check(checkFingerprint(value));
      into.fingerprint = true;
      return true;
    case "setup":
      check(checkSetup(value));
      into.setup = value;
      return true;
    default:
      return false;
  }
}

function sessionAttribute(line: SdpLine, session: Transport): void {
  const [name, value] = splitAttribute(line.value);
  if (transportAttribute(line, name, value, session)) return;
  if (name === "group" || name === "msid-semantic") {
    const problem = checkGroup(name, value);
    if (problem) at(line, problem);
  }
}

/** Returns false when the line is valid but left out of the text werift reads. */
function mediaAttribute(line: SdpLine, section: Section): boolean {
  const [name, value] = splitAttribute(line.value);
  if (transportAttribute(line, name, value, section)) return true;
  const check = (problem: string | undefined) => problem && at(line, problem);
  switch (name) {
    case "mid":
      check(checkMid(value));
      if (section.mid !== undefined) at(line, "a second a=mid in this m-section");
      section.mid = value;
      break;
    case "candidate":
      check(checkCandidate(value));
      if (++section.candidates > MAX_CANDIDATES_PER_SECTION) at(line, `more than ${MAX_CANDIDATES_PER_SECTION} candidates in one m-section`);
      section.pairable ||= isPairable(value!);
      break;
    case "rtpmap": {
      const map = parseRtpmap(value);
      if (typeof map === "string") return at(line, map);
      if (!section.fmt.some((f) => Number(f) === map.pt)) {
        at(line, `payload type ${map.pt} is not listed on this m-section's m-line`);
      }
      if (section.codecs.has(map.pt)) at(line, `a second a=rtpmap for payload type ${map.pt}`);
      section.codecs.set(map.pt, { payloadType: map.pt, name: map.name, clockRate: map.clockRate });
      break;
    }
    case "fmtp": {
      const pt = parseFmtp(value);
      if (typeof pt === "string") return at(line, pt);
      section.fmtp.push({ pt, line });
      break;
    }
    case "rtcp-fb": {
      const pt = parseRtcpFb(value);
      if (typeof pt === "string" && pt !== "*") at(line, pt);
      break;
    }
    case "extmap":
      check(checkExtmap(value));
      break;
    case "ssrc":
      check(checkSsrc(value));
      break;
    case "ssrc-group":
      check(checkGroup(name, value));
      break;
    case "rid":
      check(checkRid(value));
      break;
    case "rtcp":
      check(checkRtcp(value));
      // rtcp-mux is mandatory in WebRTC, so a=rtcp says nothing we use; werift cannot read its short form
      return value!.includes(" ");
    case "sctp-port":
      check(checkSctpPort(value));
      break;
    case "max-message-size":
      check(checkMaxMessageSize(value));
      break;
    case "sctpmap":
      check(checkSctpmap(value));
      break;
  }
  return true;
}

/** A checked candidate value werift would pair with a local UDP host candidate (the address family aside). */
function isPairable(candidate: string): boolean {
  const f = candidate.split(" ");
  return f[1] === "1" && f[2]!.toLowerCase() === "udp" && ["host", "srflx", "relay"].includes(f[7]!);
}

const where = (section: Section) => `m-section at line ${section.line.n} (${quote(section.line.text, 40)})`;

/** werift pairs m-sections and transceivers by mid, and answers each by it. */
function checkMids(sections: Section[]): void {
  const mids = new Set<string>();
  for (const section of sections) {
    if (section.mid === undefined) malformed(`${where(section)} has no a=mid`);
    if (mids.has(section.mid!)) malformed(`${where(section)}: a=mid:${section.mid} is used by another m-section`);
    mids.add(section.mid!);
  }
}

function checkSection(section: Section, session: Transport): void {
  if ((section.ufrag ?? session.ufrag) === undefined || (section.pwd ?? session.pwd) === undefined) {
    malformed(`${where(section)} has no a=ice-ufrag/a=ice-pwd (here or at session level)`);
  }
  if (!section.fingerprint && !session.fingerprint) malformed(`${where(section)} has no a=fingerprint (here or at session level)`);
  if ((section.setup ?? session.setup) === undefined) malformed(`${where(section)} has no a=setup (here or at session level)`);
  for (const { pt, line } of section.fmtp) {
    if (!section.codecs.has(pt)) at(line, `a=fmtp names payload type ${pt}, which has no a=rtpmap in this m-section`);
  }
}

/**
 * Checks the whole offer; throws MALFORMED_SDP naming the first bad line or section, or
 * SDP_WITHOUT_MEDIA when no audio/video section is offered (port 0 is not offered).
 */
export function validateOffer(body: string): ValidatedOffer {
  const lines = sdpLines(body, malformed);
  if (lines[0]?.text !== "v=0") malformed("an SDP body starts with v=0");
  const session: Transport = {};
  const sections: Section[] = [];
  const kept: string[] = ["v=0"];
  for (const line of lines.slice(1)) {
    const section = sections.at(-1);
    let keep = true;
    if (line.type === "v") at(line, "v= may appear only once, as the first line");
    if (line.type === "m") {
      if (sections.length === MAX_MEDIA_SECTIONS) at(line, `more than ${MAX_MEDIA_SECTIONS} m-sections`);
      sections.push(parseMediaLine(line));
    } else if (!section) {
      if (!SESSION_LINE_TYPES.has(line.type)) at(line, `"${line.type}=" is not a session-level SDP line`);
      if (line.type === "c") {
        const problem = checkConnection(line.value);
        if (problem) at(line, problem);
      }
      if (line.type === "a") sessionAttribute(line, session);
    } else {
      if (!MEDIA_LINE_TYPES.has(line.type)) at(line, `"${line.type}=" does not belong in an m-section`);
      if (line.type === "c") {
        const problem = checkConnection(line.value);
        if (problem) at(line, problem);
      }
      if (line.type === "a") keep = mediaAttribute(line, section);
      if (line.text === "a=end-of-candidates") section.endOfCandidates.push(kept.length);
    }
    if (keep) kept.push(line.text);
  }
  checkMids(sections);
  for (const section of sections) checkSection(section, session);
  // Candidates that all end and none pairs make werift fail ICE at once, ending the session while it
  // is being negotiated. Without the end marker it keeps listening, and the peer's own checks pair
  // (peer-reflexive), as ice/sdpCandidates.ts does for mDNS-only offers.
  const withheld = new Set(sections.filter((s) => !s.pairable).flatMap((s) => s.endOfCandidates));
  const media = sections.map((s) => ({ kind: s.kind, port: s.port, mid: s.mid!, codecs: [...s.codecs.values()] }));
  if (!media.some((m) => (m.kind === "audio" || m.kind === "video") && m.port !== 0)) throw new SessionError("SDP_WITHOUT_MEDIA");
  return { sdp: kept.filter((_, i) => !withheld.has(i)).join("\r\n") + "\r\n", media };
}

/** Each m-section of a valid offer with its rtpmap codecs (throws like validateOffer). */
export function parseOfferMedia(sdp: string): OfferedMedia[] {
  return validateOffer(sdp).media;
}

/**
 * Throws unless the offer is valid (validateOffer) and at least one of its audio/video
 * sections offers a codec `accepts` takes. Returns the usable sections.
 */
export function assertUsableOffer(sdp: string, accepts: (kind: string, codecName: string) => boolean): OfferedMedia[] {
  const av = validateOffer(sdp).media.filter((m) => (m.kind === "audio" || m.kind === "video") && m.port !== 0);
  const usable = av.filter((m) => m.codecs.some((c) => accepts(m.kind, c.name)));
  if (usable.length === 0) {
    const offered = [...new Set(av.flatMap((m) => m.codecs.map((c) => `${m.kind}/${c.name}`)))].join(", ") || "none";
    throw new SessionError("UNSUPPORTED_CODEC", `offered ${offered}`);
  }
  return usable;
}

/**
 * The in-process fuzz targets: each pairs an arbitrary with what the node does to such an
 * input, and says how it went. `ok` and `rejected` (an HttpError below 500, a counted drop)
 * are both fine; `crash` is anything else thrown, a werift failure on input our validator
 * let through (on the node: a 500), or a broken invariant. Shared by the bounded unit tests
 * (fuzz.unit.test.ts) and the long run (run.ts).
 */
import type fc from "fast-check";
import { Candidate, RtpPacket, type RtcpPacket } from "werift";
import { parseRtcpCompound } from "../../media-node/fanout/rtcpCompound.js";
import { unknownSsrcReason } from "../../media-node/fanout/rtcpTap.js";
import { toHttpError } from "../../media-node/http/errors.js";
import { parseSdpFragment } from "../../media-node/http/sdpfrag.js";
import { inspectDatagram } from "../../media-node/ice/stun.js";
import { acceptCandidateLine } from "../../media-node/ice/sdpCandidates.js";
import { checkRtpDatagram } from "../../media-node/ingest/rtpValidate.js";
import { isSupportedCodec } from "../../media-node/session/codecs.js";
import { assertUsableOffer, validateOffer } from "../../media-node/session/sdpOffer.js";
import { PUBLISHER_OFFERS, VIEWER_OFFERS } from "./corpus.js";
import { rtcpArbitrary, rtpArbitrary, stunArbitrary, type BuiltDatagram } from "./datagramArbitraries.js";
import { fragmentArbitrary, offerArbitrary, type MutatedText } from "./sdpArbitraries.js";
import { negotiate, type Role } from "./weriftOracle.js";

export type Verdict = "ok" | "rejected" | "crash" | "5xx";
export interface Outcome { verdict: Verdict; detail?: string }

export interface FuzzTarget<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  run(input: T): Outcome | Promise<Outcome>;
  /** Cases in the bounded run of `npm test` (a few seconds on 2 busy cores). */
  unitRuns: number;
}

const ok: Outcome = { verdict: "ok" };
const crash = (stage: string, error: unknown): Outcome => ({ verdict: "crash", detail: `${stage}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` });

/** What the route would answer below 500 is a refusal; anything else thrown is a crash of the code under test. */
function refusal(stage: string, error: unknown): Outcome {
  const answered = toHttpError(error);
  if (answered.status < 500) return { verdict: "rejected", detail: `${answered.status} ${answered.code}` };
  return crash(stage, error);
}

const VIEWER_ACCEPTS = (kind: string, name: string) => (kind === "video" ? name.toLowerCase() === "vp8" : kind === "audio" && name.toLowerCase() === "opus");

function offerTarget(role: Role): FuzzTarget<MutatedText> {
  return {
    name: role === "publisher" ? "sdp offer (WHIP)" : "sdp offer (WHEP)",
    arbitrary: offerArbitrary(role === "publisher" ? PUBLISHER_OFFERS : VIEWER_OFFERS),
    unitRuns: 250,
    async run(input) {
      let sdp: string;
      try {
        sdp = validateOffer(input.text).sdp;
        assertUsableOffer(sdp, role === "publisher" ? isSupportedCodec : VIEWER_ACCEPTS);
      } catch (error) {
        return refusal("validateOffer", error);
      }
      try {
        await negotiate(sdp, role);
      } catch (error) {
        return crash("werift, on an offer the validator accepted", error);
      }
      return ok;
    },
  };
}

export const sdpfragTarget: FuzzTarget<MutatedText> = {
  name: "trickle sdpfrag",
  arbitrary: fragmentArbitrary,
  unitRuns: 3000,
  run(input) {
    let fragment;
    try {
      fragment = parseSdpFragment(input.text);
    } catch (error) {
      return refusal("parseSdpFragment", error);
    }
    for (const { candidate } of fragment.candidates) {
      try {
        acceptCandidateLine(candidate, "off");
        const parsed = Candidate.fromSdp(candidate.slice("candidate:".length));
        if (!Number.isInteger(parsed.port) || parsed.port < 1 || parsed.port > 65535) return crash("werift Candidate", `port ${parsed.port} from ${candidate}`);
        if (!Number.isFinite(parsed.priority) || !Number.isInteger(parsed.component)) return crash("werift Candidate", `numbers of ${candidate}`);
      } catch (error) {
        return crash("candidate accepted by parseSdpFragment", error);
      }
    }
    return ok;
  },
};

export const stunTarget: FuzzTarget<BuiltDatagram> = {
  name: "STUN datagrams",
  arbitrary: stunArbitrary(),
  unitRuns: 5000,
  run({ bytes }) {
    let kind;
    try {
      kind = inspectDatagram(bytes);
    } catch (error) {
      return crash("inspectDatagram", error);
    }
    if (kind.kind === "invalid") return { verdict: "rejected", detail: kind.reason };
    if (kind.kind === "stun" && (bytes.length < 20 || bytes.readUInt32BE(4) !== 0x2112a442 || 20 + bytes.readUInt16BE(2) > bytes.length)) {
      return crash("inspectDatagram", "called a datagram STUN that does not hold a whole STUN message");
    }
    if (kind.kind === "stun" && kind.localUfrag !== undefined && !bytes.includes(Buffer.from(`${kind.localUfrag}:${kind.remoteUfrag}`))) {
      return crash("inspectDatagram", "a USERNAME that is not in the datagram");
    }
    return ok;
  },
};

export const rtpTarget: FuzzTarget<BuiltDatagram> = {
  name: "RTP datagrams (ingest)",
  arbitrary: rtpArbitrary,
  unitRuns: 5000,
  run({ bytes }) {
    let check;
    try {
      check = checkRtpDatagram(bytes, 96);
    } catch (error) {
      return crash("checkRtpDatagram", error);
    }
    if (!check.ok) return { verdict: "rejected", detail: check.reason };
    // rtpIngest.ts hands what passed to werift's parser: it must read the same packet
    let packet: RtpPacket;
    try {
      packet = RtpPacket.deSerialize(bytes);
    } catch (error) {
      return crash("werift RtpPacket.deSerialize after checkRtpDatagram passed", error);
    }
    const payload = bytes.subarray(check.payloadOffset, check.payloadEnd);
    if (!packet.payload.equals(payload)) return crash("werift RtpPacket.deSerialize", `payload ${packet.payload.length} bytes, checkRtpDatagram says ${payload.length}`);
    if (packet.header.sequenceNumber !== check.sequenceNumber || packet.header.ssrc !== check.ssrc || packet.header.marker !== check.marker) {
      return crash("werift RtpPacket.deSerialize", "header fields differ from checkRtpDatagram's");
    }
    return ok;
  },
};

export const rtcpTarget: FuzzTarget<BuiltDatagram> = {
  name: "RTCP datagrams",
  arbitrary: rtcpArbitrary,
  unitRuns: 5000,
  run({ bytes }) {
    // viewerLink.ts: the decrypted compound, each packet parsed by werift within its own length (a throw is counted srtcp_unreadable)
    let packets: RtcpPacket[];
    try {
      packets = parseRtcpCompound(bytes, () => undefined);
    } catch {
      return { verdict: "rejected", detail: "werift could not parse it" };
    }
    try {
      for (const packet of packets) unknownSsrcReason(packet, () => false);
    } catch (error) {
      return crash("unknownSsrcReason on a parsed packet", error);
    }
    return ok;
  },
};

export const IN_PROCESS_TARGETS = [offerTarget("publisher"), offerTarget("viewer"), sdpfragTarget, stunTarget, rtpTarget, rtcpTarget] as FuzzTarget<unknown>[];

/**
 * Reads an `application/trickle-ice-sdpfrag` body (RFC 8840) as sent in a WHIP/WHEP PATCH:
 * session-level ice-ufrag/ice-pwd, then per m-line its mid and candidates. Every line is
 * checked with the offer's grammar (session/sdpOfferGrammar.ts) before werift sees a
 * candidate; a bad one is BAD_SDPFRAG (400) naming the line. Pure.
 */
import { checkCandidate, checkIcePwd, checkIceUfrag, checkMid, intIn, quote, sdpLines, splitAttribute, type SdpLine } from "../session/sdpOfferGrammar.js";
import { HttpError } from "./errors.js";

import type { SdpFragment } from "../session/types.js";

/** Candidates in one PATCH: a client trickles a few at a time; each becomes checks the node sends. */
export const MAX_TRICKLE_CANDIDATES = 32;

const bad = (problem: string): never => {
  throw new HttpError("BAD_SDPFRAG", problem);
};
const at = (line: SdpLine, problem: string): never => bad(`line ${line.n} ${quote(line.text, 48)}: ${problem}`);

export function parseSdpFragment(body: string): SdpFragment {
  const fragment: SdpFragment = { candidates: [], endOfCandidates: false };
  let mLineIndex = -1;
  const pending: Array<{ candidate: string; index: number }> = [];
  const mids: Array<string | undefined> = [];
  for (const line of sdpLines(body, bad)) {
    const [name, value] = line.type === "a" ? splitAttribute(line.value) : ["", undefined];
    const check = (problem: string | undefined) => problem && at(line, problem);
    if (line.type === "m") {
      // RFC 8840 §4.1: dummy values are fine ("m=audio 9 RTP/AVP 0"); the kind and the port must still read
      const [kind = "", port] = line.value.split(" ");
      if (!/^[a-z]+$/.test(kind) || intIn(port, 0, 65535) === undefined) at(line, "an m-line is m=<media> <port> <proto> <format>");
      mLineIndex += 1;
      mids[mLineIndex] = undefined;
    } else if (name === "mid") {
      check(checkMid(value));
      mids[Math.max(mLineIndex, 0)] = value;
    } else if (name === "ice-ufrag") {
      check(checkIceUfrag(value));
      fragment.ufrag = value;
    } else if (name === "ice-pwd") {
      check(checkIcePwd(value));
      fragment.pwd = value;
    } else if (name === "candidate") {
      check(checkCandidate(value));
      if (pending.length === MAX_TRICKLE_CANDIDATES) at(line, `more than ${MAX_TRICKLE_CANDIDATES} candidates in one PATCH`);
      pending.push({ candidate: line.value, index: Math.max(mLineIndex, 0) });
    } else if (line.text === "a=end-of-candidates") {
      fragment.endOfCandidates = true;
    }
  }
  fragment.candidates = pending.map(({ candidate, index }) => ({ candidate, sdpMid: mids[index], sdpMLineIndex: index }));
  return fragment;
}

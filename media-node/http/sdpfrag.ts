/**
 * Reads an `application/trickle-ice-sdpfrag` body (RFC 8840) as sent in a WHIP/WHEP PATCH:
 * session-level ice-ufrag/ice-pwd, then per m-line its mid and candidates. Pure.
 */
import { HttpError } from "./errors.js";

export interface TrickleCandidate { candidate: string; sdpMid?: string; sdpMLineIndex: number }
export interface SdpFragment { ufrag?: string; pwd?: string; candidates: TrickleCandidate[]; endOfCandidates: boolean }

export function parseSdpFragment(body: string): SdpFragment {
  const fragment: SdpFragment = { candidates: [], endOfCandidates: false };
  let mLineIndex = -1;
  let mid: string | undefined;
  const pending: Array<{ candidate: string; index: number }> = [];
  const mids: Array<string | undefined> = [];
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (!/^[a-z]=/.test(line)) throw new HttpError("BAD_SDPFRAG", `not an SDP line: ${JSON.stringify(line.slice(0, 40))}`);
    if (line.startsWith("m=")) {
      mLineIndex += 1;
      mid = undefined;
      mids[mLineIndex] = undefined;
    } else if (line.startsWith("a=mid:")) {
      mid = line.slice(6);
      mids[Math.max(mLineIndex, 0)] = mid;
    } else if (line.startsWith("a=ice-ufrag:")) {
      fragment.ufrag = line.slice(12);
    } else if (line.startsWith("a=ice-pwd:")) {
      fragment.pwd = line.slice(10);
    } else if (line.startsWith("a=candidate:")) {
      pending.push({ candidate: line.slice(2), index: Math.max(mLineIndex, 0) });
    } else if (line === "a=end-of-candidates") {
      fragment.endOfCandidates = true;
    }
  }
  fragment.candidates = pending.map(({ candidate, index }) => ({ candidate, sdpMid: mids[index], sdpMLineIndex: index }));
  return fragment;
}

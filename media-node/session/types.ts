/** The contract of a WHIP/WHEP session resource, readable without the implementations. */
import type { MediaPath } from "./path.js";

/** One trickled ICE candidate of a PATCH (RFC 8840), as http/sdpfrag.ts read and checked it. */
export interface TrickleCandidate { candidate: string; sdpMid?: string; sdpMLineIndex: number }
/** A trickle-ice-sdpfrag: the ICE credentials it names and its candidates. */
export interface SdpFragment { ufrag?: string; pwd?: string; candidates: TrickleCandidate[]; endOfCandidates: boolean }

export type SessionRole = "publisher" | "viewer";

export interface WebrtcSession {
  readonly id: string;
  readonly role: SessionRole;
  readonly path: MediaPath;
  /** Strong ETag of the ICE session (RFC 9725 §4.3.1); PATCH must name it in If-Match. */
  readonly etag: string;
  readonly closed: boolean;
  addRemoteCandidates(fragment: SdpFragment): Promise<void>;
  close(reason: string): void;
}

/** The contract of a WHIP/WHEP session resource, readable without the implementations. */
import type { SdpFragment } from "../http/sdpfrag.js";
import type { MediaPath } from "./path.js";

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

/**
 * Why the media path refuses a session, in its own terms. It knows no HTTP: http/errors.ts
 * maps each refusal to its status and message (toHttpError), the one place that does.
 */
export type SessionRefusal =
  | "MALFORMED_SDP"
  | "SDP_WITHOUT_MEDIA"
  | "UNSUPPORTED_CODEC"
  | "PUBLISHER_EXISTS"
  | "NO_PUBLISHER"
  | "SESSION_LIMIT"
  | "SHUTTING_DOWN";

export class SessionError extends Error {
  constructor(
    readonly code: SessionRefusal,
    readonly detail?: string,
    /** When trying again may work, after how long (a Retry-After at the edge). */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(detail ? `${code}: ${detail}` : code, options);
    this.name = "SessionError";
  }
}

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
  | "SESSION_ENDED"
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

/** The node drains: try another pod, or this one after a while. */
export function shuttingDown(cause?: unknown): SessionError {
  return new SessionError("SHUTTING_DOWN", undefined, 5, cause === undefined ? undefined : { cause });
}

/**
 * The refusal for a session the node ended while it was still negotiating (its peer connection
 * closed, its publisher left, the node began to drain): whatever werift threw after that is a
 * consequence, not a bug, and the client is told what happened and that it may try again.
 */
export function endedWhileNegotiating(endReason: string, draining: boolean, cause?: unknown): SessionError {
  if (draining) return shuttingDown(cause);
  if (endReason.startsWith("publisher-")) return new SessionError("NO_PUBLISHER", "the publisher left during negotiation", 2, { cause });
  return new SessionError("SESSION_ENDED", `ended (${endReason}) during negotiation`, 1, { cause });
}

/** What a failed negotiation throws: a session ended meanwhile says so; anything else as it was. */
export function negotiationError(error: unknown, endReason: string | undefined, draining: boolean): unknown {
  if (endReason === undefined || error instanceof SessionError) return error;
  return endedWhileNegotiating(endReason, draining, error);
}

/**
 * Between the awaits of a negotiation: a session the node ended meanwhile, or any session once
 * the node drains (a 201 would hand out a dead session), goes no further.
 */
export function assertStillNegotiating(endReason: string | undefined, draining: boolean): void {
  if (endReason !== undefined) throw endedWhileNegotiating(endReason, draining);
  if (draining) throw shuttingDown();
}

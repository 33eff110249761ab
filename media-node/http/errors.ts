/**
 * The HTTP error catalogue: every error the media node answers with has a stable code,
 * an HTTP status and a message a person can act on. Clients and tests match on `code`
 * (sent in the JSON body and the `X-Error-Code` header), never on the message text.
 *
 * | code                   | status | when                                                        |
 * |------------------------|--------|-------------------------------------------------------------|
 * | BAD_REQUEST            | 400    | request malformed in a way no other code covers             |
 * | MALFORMED_SDP          | 400    | the offer breaks SDP/WebRTC rules (message names the line)  |
 * | SDP_WITHOUT_MEDIA      | 400    | the offer has no audio or video m-line                      |
 * | UNSUPPORTED_CODEC      | 400    | no offered codec is one the node (or the publisher) uses    |
 * | BAD_SDPFRAG            | 400    | a PATCH body is not a valid sdpfrag (names the line)        |
 * | UNAUTHORIZED           | 401    | the path needs a bearer token and none was sent             |
 * | FORBIDDEN              | 403    | the bearer token is wrong for this path                     |
 * | NOT_FOUND              | 404    | no such route                                               |
 * | UNKNOWN_PATH           | 404    | the path is not configured                                  |
 * | UNKNOWN_SESSION        | 404    | the session resource does not exist (or ended)              |
 * | METHOD_NOT_ALLOWED     | 405    | the route exists but not for this method                    |
 * | PUBLISHER_EXISTS       | 409    | the path already has a publisher (or is fed by RTP ingest)  |
 * | NO_PUBLISHER           | 409    | a viewer asked for a path nobody publishes (Retry-After)    |
 * | ETAG_MISMATCH          | 412    | If-Match does not name the session's current ETag           |
 * | BODY_TOO_LARGE         | 413    | the body exceeds http.maxBodyBytes                          |
 * | UNSUPPORTED_MEDIA_TYPE | 415    | wrong Content-Type for the route                            |
 * | ETAG_REQUIRED          | 428    | PATCH without If-Match                                      |
 * | INTERNAL               | 500    | a bug; logged with its cause                                |
 * | SESSION_LIMIT          | 503    | webrtc.maxSessions or the path's maxViewers reached         |
 * | SESSION_ENDED          | 503    | the node ended the session while it negotiated (try again)  |
 * | SHUTTING_DOWN          | 503    | the node is draining after SIGTERM                          |
 */

import { SessionError } from "../session/errors.js";

export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, message: "bad request" },
  MALFORMED_SDP: { status: 400, message: "the body is not a valid SDP offer" },
  SDP_WITHOUT_MEDIA: { status: 400, message: "the SDP offer has no audio or video media section" },
  UNSUPPORTED_CODEC: { status: 400, message: "none of the offered codecs is supported" },
  BAD_SDPFRAG: { status: 400, message: "the body is not a trickle-ice-sdpfrag" },
  UNAUTHORIZED: { status: 401, message: "this path requires a bearer token" },
  FORBIDDEN: { status: 403, message: "the bearer token is not valid for this path" },
  NOT_FOUND: { status: 404, message: "no such resource" },
  UNKNOWN_PATH: { status: 404, message: "no such path is configured" },
  UNKNOWN_SESSION: { status: 404, message: "no such session" },
  METHOD_NOT_ALLOWED: { status: 405, message: "method not allowed on this resource" },
  PUBLISHER_EXISTS: { status: 409, message: "the path already has a publisher" },
  NO_PUBLISHER: { status: 409, message: "nobody publishes on this path yet" },
  ETAG_MISMATCH: { status: 412, message: "If-Match does not match the session's ETag" },
  BODY_TOO_LARGE: { status: 413, message: "the request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "unsupported Content-Type" },
  ETAG_REQUIRED: { status: 428, message: "PATCH requires an If-Match header" },
  INTERNAL: { status: 500, message: "internal error" },
  SESSION_LIMIT: { status: 503, message: "session limit reached" },
  SESSION_ENDED: { status: 503, message: "the session was ended while it negotiated; try again" },
  SHUTTING_DOWN: { status: 503, message: "the node is shutting down" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error meant for the HTTP client: code, status, message, optional extra headers. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(detail ? `${ERROR_CATALOGUE[code].message}: ${detail}` : ERROR_CATALOGUE[code].message, options);
    this.name = "HttpError";
    this.status = ERROR_CATALOGUE[code].status;
  }
}

/**
 * The one place errors become HTTP: a session refusal keeps its code (its status and message
 * from the catalogue, Retry-After when it says when to try again); anything else thrown that is
 * not an HttpError is a bug and becomes INTERNAL with its cause kept.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof SessionError) {
    const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { "Retry-After": String(error.retryAfterSeconds) };
    return new HttpError(error.code, error.detail, headers, { cause: error });
  }
  return new HttpError("INTERNAL", undefined, {}, { cause: error });
}

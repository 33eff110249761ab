import { test } from "node:test";
import assert from "node:assert/strict";
import { toHttpError } from "../http/errors.js";
import { assertStillNegotiating, negotiationError, SessionError } from "./errors.js";

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return error as SessionError;
  }
  return undefined;
};

test("still negotiating: nothing ended and no drain -> goes on; drain -> 503 SHUTTING_DOWN even for a session nobody closed", () => {
  assert.equal(refusal(() => assertStillNegotiating(undefined, false)), undefined);
  const drained = refusal(() => assertStillNegotiating(undefined, true))!;
  assert.equal(drained.code, "SHUTTING_DOWN");
  assert.equal(toHttpError(drained).status, 503);
});

test("ended while negotiating: its publisher left -> 409 NO_PUBLISHER; its peer closed -> 503 SESSION_ENDED naming why, Retry-After", () => {
  const left = refusal(() => assertStillNegotiating("publisher-media-timeout", false))!;
  assert.equal(left.code, "NO_PUBLISHER");
  assert.equal(toHttpError(left).status, 409);
  const closed = toHttpError(refusal(() => assertStillNegotiating("ice-closed", false)));
  assert.equal(closed.status, 503);
  assert.match(closed.message, /ice-closed/);
  assert.equal(closed.headers["Retry-After"], "1");
});

test("a failed negotiation: a session ended meanwhile turns werift's error into its refusal; otherwise the error is kept", () => {
  const werift = new Error("Transceiver with mid=undefined not found");
  assert.equal(negotiationError(werift, undefined, false), werift, "nothing ended: a bug stays a bug (500)");
  const mapped = negotiationError(werift, "ice-failed", false) as SessionError;
  assert.equal(mapped.code, "SESSION_ENDED");
  assert.equal(mapped.cause, werift);
  const bad = new SessionError("MALFORMED_SDP", "line 3");
  assert.equal(negotiationError(bad, "ice-failed", false), bad, "the client's own bad offer keeps its 400");
});

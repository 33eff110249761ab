/**
 * Bearer-token check for the profiling listener. Both sides are hashed first so the
 * comparison is constant-time whatever the lengths: a wrong token's length leaks nothing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** True when no token is configured, or the Authorization header carries exactly it. */
export function bearerAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined || token === "") return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const offered = match?.[1] ?? "";
  // Compare even when the header is missing, so both paths cost the same.
  const same = timingSafeEqual(digest(offered), digest(token));
  return match !== null && same;
}

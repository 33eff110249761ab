/** Per-path bearer tokens: 401 when one is needed and missing, 403 when it is wrong. */
import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./errors.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

export function checkBearer(authorization: string | undefined, expected: string | undefined, realm: string): void {
  if (expected === undefined || expected === "") return;
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? "");
  if (!match) throw new HttpError("UNAUTHORIZED", undefined, { "WWW-Authenticate": `Bearer realm="${realm}"` });
  // Compare digests so the comparison takes the same time whatever the token length.
  if (!timingSafeEqual(digest(match[1]!), digest(expected))) throw new HttpError("FORBIDDEN");
}

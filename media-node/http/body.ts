/**
 * Request bodies with the limit enforced while streaming: a declared Content-Length over
 * the limit is refused before a byte is read, and a chunked body is cut off as soon as it
 * passes the limit, so a client cannot make the node buffer more than `http.maxBodyBytes`.
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

/** Throws 415 unless the request's media type (parameters ignored) is `expected`. */
export function requireContentType(req: IncomingMessage, expected: string): void {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== expected) throw new HttpError("UNSUPPORTED_MEDIA_TYPE", `expected ${expected}, got ${type || "none"}`);
}

export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    return Promise.reject(new HttpError("BODY_TOO_LARGE", `${declared} bytes > ${limitBytes}`, { Connection: "close" }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limitBytes) {
        req.off("data", onData);
        req.pause();
        reject(new HttpError("BODY_TOO_LARGE", `more than ${limitBytes} bytes`, { Connection: "close" }));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

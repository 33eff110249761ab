/** Writing answers: CORS on everything, JSON error bodies with the catalogue code, Link headers. */
import type { ServerResponse } from "node:http";
import type { IceServer } from "../config/types.js";
import type { HttpError } from "./errors.js";

export const EXPOSED_HEADERS = "Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After, X-Error-Code";

export function corsHeaders(origin: string): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
    "Access-Control-Expose-Headers": EXPOSED_HEADERS,
  };
}

/** RFC 9725 §4.6: one `Link: <url>; rel="ice-server"` per configured STUN/TURN URL. */
export function iceServerLinks(servers: IceServer[]): string[] {
  return servers.map((server) => {
    let link = `<${server.urls}>; rel="ice-server"`;
    if (server.username !== undefined) link += `; username="${server.username}"`;
    if (server.credential !== undefined) link += `; credential="${server.credential}"; credential-type="password"`;
    return link;
  });
}

export function sendError(res: ServerResponse, error: HttpError, origin: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, {
    ...corsHeaders(origin),
    ...error.headers,
    "Content-Type": "application/json",
    "X-Error-Code": error.code,
  });
  res.end(JSON.stringify({ error: error.code, message: error.status === 500 ? "internal error" : error.message }));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, origin: string): void {
  res.writeHead(status, { ...corsHeaders(origin), "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

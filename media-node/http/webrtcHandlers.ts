/**
 * WHIP (RFC 9725) and WHEP handlers: create a session from an SDP offer, trickle ICE with
 * PATCH + If-Match, end it with DELETE, answer CORS preflights. Session logic lives in
 * media-node/session; this file only speaks HTTP.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MediaNodeConfig } from "../config/types.js";
import type { SessionContext } from "../session/context.js";
import { validateOffer } from "../session/sdpOffer.js";
import { PublisherSession } from "../session/publisher.js";
import { ViewerSession } from "../session/viewer.js";
import { checkBearer } from "./auth.js";
import { readBody, requireContentType } from "./body.js";
import { HttpError } from "./errors.js";
import { corsHeaders, iceServerLinks } from "./respond.js";
import { parseSdpFragment } from "./sdpfrag.js";
import type { PathTokens } from "./tokenSource.js";

export interface WebrtcHandlerDeps {
  config: MediaNodeConfig;
  sessions: SessionContext;
  /** False while draining: new sessions are refused with 503. */
  accepting: () => boolean;
  /** Each path's tokens, inline or from files re-read when they change (./tokenSource.ts). */
  tokens: PathTokens;
}

type Protocol = "whip" | "whep";

function pathFor(deps: WebrtcHandlerDeps, name: string) {
  const path = deps.sessions.registry.path(name);
  if (!path) throw new HttpError("UNKNOWN_PATH", `"${name}"`);
  return path;
}

function authorize(req: IncomingMessage, deps: WebrtcHandlerDeps, pathName: string, protocol: Protocol): void {
  pathFor(deps, pathName);
  checkBearer(req.headers.authorization, deps.tokens.expected(pathName, protocol === "whip" ? "publish" : "read"), pathName);
}

export function handlePreflight(res: ServerResponse, deps: WebrtcHandlerDeps, endpoint: boolean): void {
  res.writeHead(204, {
    ...corsHeaders(deps.config.http.corsOrigin),
    ...(endpoint ? { "Accept-Post": "application/sdp" } : { "Accept-Patch": "application/trickle-ice-sdpfrag" }),
    "Access-Control-Max-Age": "600",
  });
  res.end();
}

export async function handleCreate(req: IncomingMessage, res: ServerResponse, deps: WebrtcHandlerDeps, pathName: string, protocol: Protocol): Promise<void> {
  const path = pathFor(deps, pathName);
  authorize(req, deps, pathName, protocol);
  if (!deps.accepting()) throw new HttpError("SHUTTING_DOWN", undefined, { "Retry-After": "5" });
  if (protocol === "whip" && path.config.source && (path.config.source.rtp || path.config.source.testPattern)) {
    throw new HttpError("PUBLISHER_EXISTS", `path "${pathName}" is fed by its configured source`);
  }
  requireContentType(req, "application/sdp");
  // Checked here, before a session slot is taken or werift reads a line: a bad offer is a 400
  // naming the line; werift gets the checked text (session/sdpOffer.ts).
  const offer = validateOffer(await readBody(req, deps.config.http.maxBodyBytes)).sdp;
  const release = deps.sessions.registry.reserveSlot();
  try {
    const session = protocol === "whip" ? new PublisherSession(deps.sessions, path) : new ViewerSession(deps.sessions, path);
    const answer = await session.start(offer);
    const links = iceServerLinks(deps.config.webrtc.iceServers);
    res.writeHead(201, {
      ...corsHeaders(deps.config.http.corsOrigin),
      "Content-Type": "application/sdp",
      Location: `/${pathName}/${protocol}/${session.id}`,
      ETag: session.etag,
      "Accept-Patch": "application/trickle-ice-sdpfrag",
      ...(links.length > 0 ? { Link: links } : {}),
    });
    res.end(answer);
  } finally {
    release();
  }
}

function sessionFor(deps: WebrtcHandlerDeps, pathName: string, protocol: Protocol, id: string) {
  const session = deps.sessions.registry.session(id);
  const role = protocol === "whip" ? "publisher" : "viewer";
  if (!session || session.path.name !== pathName || session.role !== role) throw new HttpError("UNKNOWN_SESSION");
  return session;
}

export async function handlePatch(req: IncomingMessage, res: ServerResponse, deps: WebrtcHandlerDeps, pathName: string, protocol: Protocol, id: string): Promise<void> {
  pathFor(deps, pathName);
  authorize(req, deps, pathName, protocol);
  const session = sessionFor(deps, pathName, protocol, id);
  requireContentType(req, "application/trickle-ice-sdpfrag");
  const ifMatch = req.headers["if-match"];
  if (!ifMatch) throw new HttpError("ETAG_REQUIRED");
  const body = await readBody(req, deps.config.http.maxBodyBytes);
  const fragment = parseSdpFragment(body);
  if (ifMatch.trim() === "*") {
    // RFC 9725 §4.3.2: "*" asks for an ICE restart, which this node does not perform.
    throw new HttpError("METHOD_NOT_ALLOWED", "ICE restart is not supported; start a new session");
  }
  if (ifMatch.trim() !== session.etag) throw new HttpError("ETAG_MISMATCH");
  await session.addRemoteCandidates(fragment);
  res.writeHead(204, { ...corsHeaders(deps.config.http.corsOrigin), ETag: session.etag });
  res.end();
}

export function handleDelete(req: IncomingMessage, res: ServerResponse, deps: WebrtcHandlerDeps, pathName: string, protocol: Protocol, id: string): void {
  pathFor(deps, pathName);
  authorize(req, deps, pathName, protocol);
  const session = sessionFor(deps, pathName, protocol, id);
  session.close("deleted");
  res.writeHead(200, corsHeaders(deps.config.http.corsOrigin));
  res.end();
}

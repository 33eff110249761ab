/**
 * The media node's public HTTP listener (node:http, no framework): WHIP/WHEP, the path
 * API, health. Every answer is counted in `mediafleet_http_requests_total{route,status}`;
 * malformed input is also counted in `mediafleet_malformed_input_total`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { HttpError, toHttpError, type ErrorCode } from "./errors.js";
import { sendError, sendJson } from "./respond.js";
import { matchRoute, routeLabel, type Route } from "./routes.js";
import { handleCreate, handleDelete, handlePatch, handlePreflight, type WebrtcHandlerDeps } from "./webrtcHandlers.js";
import type { MediaNodeMetrics } from "../observe/metrics.js";

/** Serves a page route (player / publisher); false when it has nothing for this request. */
export type PageHandler = (req: IncomingMessage, res: ServerResponse, route: Extract<Route, { name: "page" }>) => boolean;

export interface HttpServerDeps extends WebrtcHandlerDeps {
  logger: Logger;
  /** The registry: requests and malformed input are counted here, at the edge. */
  metrics: Pick<MediaNodeMetrics, "httpRequests" | "malformedInput">;
  /** Ready: ICE socket and listeners up, not draining. */
  ready: () => boolean;
  pages?: PageHandler;
}

/** Codes that mean the client sent something malformed; counted as malformed input. */
const MALFORMED: Partial<Record<ErrorCode, string>> = {
  MALFORMED_SDP: "sdp",
  SDP_WITHOUT_MEDIA: "sdp",
  UNSUPPORTED_CODEC: "sdp",
  BAD_SDPFRAG: "sdpfrag",
  BODY_TOO_LARGE: "http",
  UNSUPPORTED_MEDIA_TYPE: "http",
};

async function dispatch(req: IncomingMessage, res: ServerResponse, route: Route, deps: HttpServerDeps): Promise<void> {
  const method = req.method ?? "GET";
  const origin = deps.config.http.corsOrigin;
  switch (route.name) {
    case "healthz":
      return sendJson(res, 200, { status: "ok" }, origin);
    case "readyz":
      return deps.ready() ? sendJson(res, 200, { status: "ready" }, origin) : sendJson(res, 503, { status: "not ready" }, origin);
    case "paths":
      if (method !== "GET") throw new HttpError("METHOD_NOT_ALLOWED");
      return sendJson(res, 200, { paths: deps.sessions.registry.info() }, origin);
    case "endpoint":
      if (method === "OPTIONS") return handlePreflight(res, deps, true);
      if (method !== "POST") throw new HttpError("METHOD_NOT_ALLOWED", undefined, { Allow: "POST, OPTIONS" });
      return handleCreate(req, res, deps, route.path, route.protocol);
    case "resource":
      if (method === "OPTIONS") return handlePreflight(res, deps, false);
      if (method === "PATCH") return handlePatch(req, res, deps, route.path, route.protocol, route.id);
      if (method === "DELETE") return handleDelete(req, res, deps, route.path, route.protocol, route.id);
      throw new HttpError("METHOD_NOT_ALLOWED", undefined, { Allow: "PATCH, DELETE, OPTIONS" });
    case "page":
      if (method === "GET" && deps.sessions.registry.path(route.path) && deps.pages?.(req, res, route)) return;
      throw new HttpError("NOT_FOUND");
    default:
      throw new HttpError("NOT_FOUND");
  }
}

export function createHttpServer(deps: HttpServerDeps): Server {
  const { metrics } = deps;
  return createServer((req, res) => {
    const route = matchRoute(new URL(req.url ?? "/", "http://node").pathname);
    const label = routeLabel(req.method ?? "GET", route);
    res.once("finish", () => metrics.httpRequests.inc({ route: label, status: String(res.statusCode) }));
    dispatch(req, res, route, deps).catch((error: unknown) => {
      const httpError = toHttpError(error);
      const kind = MALFORMED[httpError.code];
      if (kind) metrics.malformedInput.inc({ kind, reason: httpError.code });
      if (httpError.status >= 500 && httpError.code === "INTERNAL") deps.logger.error({ err: httpError.cause, route: label }, "request failed");
      else deps.logger.debug({ code: httpError.code, route: label, message: httpError.message }, "request refused");
      sendError(res, httpError, deps.config.http.corsOrigin);
      if (httpError.code === "BODY_TOO_LARGE") res.once("finish", () => req.destroy());
    });
  });
}

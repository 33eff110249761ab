/**
 * The profiling listener's routes (Go net/http/pprof shapes, so `go tool pprof URL` works):
 *   /debug/pprof/          index
 *   /debug/pprof/heap      in-use heap, gzipped pprof protobuf (`?gc=1` collects garbage first)
 *   /debug/pprof/profile   CPU profile over `?seconds=N` (1..60, default 30), one at a time
 *   /debug/vars            JSON memory numbers (`?gc=1` collects garbage first), for tests/benchmarks
 * Every route needs the bearer token when one is configured. Served on its own listener,
 * never the public HTTP port.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { encode } from "@datadog/pprof";
import { bearerAuthorized } from "./auth.js";
import { collectCpuProfile, cpuProfileRunning, parseProfileSeconds, ProfileBusyError } from "./cpuProfile.js";
import { collectHeapProfile, forceGc, heapSamplingState } from "./heapProfile.js";

export interface PprofHandlerOptions {
  token?: string;
  onError?: (error: unknown, route: string) => void;
}

const INDEX_ROUTES = [
  ["heap", "in-use heap (inuse_space, inuse_objects); ?gc=1 runs a full GC first"],
  ["profile", "CPU profile; ?seconds=N (1..60, default 30)"],
] as const;

function indexPage(): string {
  const rows = INDEX_ROUTES.map(([name, what]) => `<tr><td><a href="${name}">${name}</a></td><td>${what}</td></tr>`);
  return [
    "<!doctype html><html><head><title>/debug/pprof/</title></head><body>",
    "<h1>/debug/pprof/</h1><p>Profiles in pprof protobuf format (gzipped), readable by <code>go tool pprof</code>.</p>",
    `<table>${rows.join("")}</table>`,
    '<p><a href="../vars">/debug/vars</a>: memory usage as JSON</p>',
    "</body></html>",
  ].join("\n");
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(text + "\n");
}

function sendProfile(res: ServerResponse, name: string, body: Buffer): void {
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-disposition": `attachment; filename="${name}"`,
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
  res.end(body);
}

function memoryReport(gc: boolean) {
  if (gc) forceGc();
  const sampling = heapSamplingState();
  return {
    gc,
    memoryUsage: process.memoryUsage(),
    heapSampling: sampling ?? null,
    uptimeSeconds: process.uptime(),
  };
}

/** Builds the request listener of the profiling server. */
export function createPprofHandler(options: PprofHandlerOptions = {}) {
  const routes: Record<string, (url: URL, res: ServerResponse) => Promise<void> | void> = {
    "/debug/pprof/": (_url, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(indexPage());
    },
    "/debug/pprof/heap": async (url, res) => {
      const profile = collectHeapProfile({ gc: url.searchParams.get("gc") === "1" });
      sendProfile(res, "heap.pb.gz", await encode(profile));
    },
    "/debug/pprof/profile": async (url, res) => {
      const seconds = parseProfileSeconds(url.searchParams.get("seconds"));
      if (typeof seconds === "string") return sendText(res, 400, seconds);
      if (cpuProfileRunning()) return sendText(res, 409, new ProfileBusyError().message, { "retry-after": "5" });
      const profile = await collectCpuProfile(seconds);
      sendProfile(res, "profile.pb.gz", await encode(profile));
    },
    "/debug/vars": (url, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(memoryReport(url.searchParams.get("gc") === "1")));
    },
  };
  routes["/debug/pprof"] = routes["/debug/pprof/"]!;

  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://pprof.invalid");
    if (!bearerAuthorized(req.headers.authorization, options.token)) {
      return sendText(res, 401, "unauthorized: send Authorization: Bearer <pprof token>", {
        "www-authenticate": 'Bearer realm="pprof"',
      });
    }
    const route = routes[url.pathname];
    if (!route) return sendText(res, 404, `not found: ${url.pathname}`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendText(res, 405, `method ${req.method} not allowed`, { allow: "GET, HEAD" });
    }
    Promise.resolve()
      .then(() => route(url, res))
      .catch((error: unknown) => {
        options.onError?.(error, url.pathname);
        if (error instanceof ProfileBusyError) return sendText(res, 409, error.message, { "retry-after": "5" });
        if (!res.headersSent) sendText(res, 500, `profile failed: ${(error as Error).message ?? String(error)}`);
        else res.destroy();
      });
  };
}

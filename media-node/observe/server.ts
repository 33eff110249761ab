/**
 * The two observability listeners of a media node, each on its own address:
 * metrics (`config.metrics.listen`, Prometheus text) and profiles (`config.pprof.listen`,
 * optional bearer token). Neither route set is served on the other listener, nor on the
 * public HTTP port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MediaNodeConfig } from "../config/types.js";
import type { MediaNodeMetrics } from "./metrics.js";
import { parseListenAddress, urlOf } from "../config/listenAddress.js";
import { createPprofHandler } from "./pprof.js";
import { startHeapSampling } from "./heapProfile.js";

export interface ObserveLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ObserveServers {
  /** e.g. http://127.0.0.1:9998/metrics (the port actually bound, also when 0 was asked). */
  metricsUrl: string;
  /** e.g. http://127.0.0.1:9999/debug/pprof/ */
  pprofUrl: string;
  close(): Promise<void>;
}

export interface StartObserveOptions {
  config: Pick<MediaNodeConfig, "metrics" | "pprof">;
  metrics: MediaNodeMetrics;
  logger?: ObserveLogger;
}

function metricsHandler(metrics: MediaNodeMetrics, logger?: ObserveLogger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://metrics.invalid").pathname;
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${path}\n`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        logger?.warn({ err: error }, "metrics collection failed");
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("metrics collection failed\n");
      },
    );
  };
}

async function listen(server: Server, address: string): Promise<AddressInfo> {
  const { host, port } = parseListenAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Binds both listeners; if either fails to bind, neither is left open. */
export async function startObserveServers(options: StartObserveOptions): Promise<ObserveServers> {
  const { config, metrics, logger } = options;
  startHeapSampling(); // no-op when earlyProfiling already started it (the usual case)
  const metricsServer = createServer(metricsHandler(metrics, logger));
  const pprofServer = createServer(
    createPprofHandler({
      token: config.pprof.token,
      onError: (error, route) => logger?.warn({ err: error, route }, "profile request failed"),
    }),
  );
  // A slow CPU profile must not be cut by the default request timeouts.
  pprofServer.requestTimeout = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all([closeServer(metricsServer), closeServer(pprofServer)]);
  };
  try {
    const m = await listen(metricsServer, config.metrics.listen);
    const p = await listen(pprofServer, config.pprof.listen);
    const servers = {
      metricsUrl: urlOf(m.address, m.port, "/metrics"),
      pprofUrl: urlOf(p.address, p.port, "/debug/pprof/"),
      close,
    };
    logger?.info({ metrics: servers.metricsUrl, pprof: servers.pprofUrl, pprofToken: Boolean(config.pprof.token) }, "observe listeners up");
    return servers;
  } catch (error) {
    await close();
    throw error;
  }
}

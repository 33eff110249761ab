/**
 * The metrics listener (`/metrics`) and the health listener (`/healthz`, `/readyz`), each on
 * its own address so probes never depend on a slow scrape. Addresses are "host:port", ":port"
 * (all interfaces) or port 0 for a free one; the bound address is returned.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface ListenAddress {
  host: string | undefined;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:(\[[^\]]+\]|[^:]*))?:(\d{1,5})$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a listen address like ":8080" or "127.0.0.1:8080"`);
  const port = Number(match[2]);
  if (port > 65535) throw new RangeError(`port ${port} in "${text}" is above 65535`);
  const host = match[1] ? match[1].replace(/^\[|\]$/g, "") : undefined;
  return { host, port };
}

export interface RunningServer {
  server: Server;
  address: AddressInfo;
  close(): Promise<void>;
}

function listen(server: Server, address: ListenAddress): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve({
        server,
        address: server.address() as AddressInfo,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

export function startMetricsServer(address: ListenAddress, registry: Registry): Promise<RunningServer> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
      registry.metrics().then(
        (body) => res.writeHead(200, { "Content-Type": registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error)),
      );
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  });
  return listen(server, address);
}

export interface HealthChecks {
  /** Liveness: the process is not wedged. */
  healthy(): boolean;
  /** Readiness: caches synced. */
  ready(): boolean;
}

export function startHealthServer(address: ListenAddress, checks: HealthChecks): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    const answer = (ok: boolean) => res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
    if (path === "/healthz" || path === "/livez") return answer(checks.healthy());
    if (path === "/readyz") return answer(checks.ready());
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  });
  return listen(server, address);
}

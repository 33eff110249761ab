/**
 * Stand-in pods for the scrape-cost benchmark, all in ONE process (so their CPU is not the
 * scraper's): for each of `--count` loopback addresses under `--prefix` (127.A.x.y), a metrics
 * listener and a pprof listener on free ports, answering GET /metrics and GET /debug/pprof/heap
 * with bodies recorded once from a real media node. Keep-alive is 1 s: the operator scrapes
 * every `interval` (30 s by default), long after a pod's idle connection closed, so the bench
 * pauses between rounds and every round pays for new connections, as the operator does.
 * Prints one JSON line {"event":"ready","targets":[{ip,metricsPort,pprofPort}]}.
 *
 *   node --import tsx test/bench/scrapeCostServer.ts --metrics FILE --profile FILE --count 200 --prefix 127.42
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) throw new Error(`--${name} is required`);
  return value;
}

const metrics = readFileSync(arg("metrics"));
const profile = readFileSync(arg("profile"));
const count = Number(arg("count"));
const prefix = arg("prefix");
if (!/^127\.\d{1,3}$/.test(prefix) || !(count >= 1 && count <= 250 * 250)) throw new Error("--prefix 127.A and --count 1..62500");

function serve(ip: string, path: string, body: Buffer, contentType: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": contentType, "content-length": body.length }).end(body);
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, ip, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

const targets: Array<{ ip: string; metricsPort: number; pprofPort: number }> = [];
for (let i = 0; i < count; i++) {
  const ip = `${prefix}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const m = await serve(ip, "/metrics", metrics, "text/plain; version=0.0.4; charset=utf-8");
  const p = await serve(ip, "/debug/pprof/heap", profile, "application/octet-stream");
  targets.push({ ip, metricsPort: m.port, pprofPort: p.port });
}
process.stdout.write(`${JSON.stringify({ event: "ready", targets })}\n`);
// Stays up until the bench stops it (SIGTERM ends the process: nothing to flush).

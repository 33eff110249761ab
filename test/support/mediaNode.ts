/**
 * Start a real media-node process for a test:
 *
 *   const node = await startMediaNode({ config: { paths: [{ name: "cam1" }] } });
 *   t.after(() => node.stop());
 *   await fetch(`${node.httpUrl}/v1/paths`);
 *
 * The config you pass is merged over loopback-only test defaults (HTTP, metrics and pprof
 * on port 0, a free UDP port for ICE on 127.0.0.1, `ipsFromInterfaces: false`, `additionalHosts:
 * [127.0.0.1]`, `iceServers: []`), written to a temp file and given with `--config`.
 * Runs media-node/main.ts with tsx, or dist/media-node/main.js with `{ dist: true }`
 * (after `npm run build`); `{ fanout: "stock" }` runs the benchmark baseline instead
 * (test/bench/stockMediaNode.ts: werift's own send path, not part of the product). Resolves once the "media node ready" log line is out and
 * /readyz answers 200.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, spawnNode, spawnTsx, stopChild, type Child } from "./child.js";

export interface StartedNode {
  httpUrl: string;
  /** http://127.0.0.1:<port>/metrics */
  metricsUrl: string;
  /** http://127.0.0.1:<port>/debug/pprof/ */
  pprofUrl: string;
  /** The ICE UDP port configured for this node. */
  udpPort: number;
  pid: number;
  child: Child;
  configFile: string;
  /** Parsed pino log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** Fetches /metrics and returns the value of one sample (labels as in the exposition, e.g. '{kind="rtp"}'), summed over matching lines. */
  metric(name: string, labelFilter?: (labels: string) => boolean): Promise<number>;
  /** SIGTERM (SIGKILL after 10 s); resolves with the exit code/signal and how long it took. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | T[K] : T[K] };

/** A free TCP port on 127.0.0.1 (bound then released; tiny race accepted in tests). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function merge(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = value && typeof value === "object" && !Array.isArray(value) && base[key] && typeof base[key] === "object" ? merge(base[key], value) : value;
  }
  return out;
}

export async function testConfig(config: Record<string, any> = {}): Promise<Record<string, any>> {
  const defaults = {
    http: { listen: "127.0.0.1:0" },
    metrics: { listen: "127.0.0.1:0" },
    pprof: { listen: "127.0.0.1:0" },
    log: { level: "info" },
    webrtc: { udpPort: await freeUdpPort(), udpHost: "127.0.0.1", ipsFromInterfaces: false, additionalHosts: ["127.0.0.1"], iceServers: [] },
    paths: [],
  };
  return merge(defaults, config);
}

/** Temp dirs made here; removed when the test process exits (nodes read their config at start only). */
const madeDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes `config` (JSON is YAML) to a temp file and returns its path. */
export function writeConfigFile(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "media-node-test-"));
  madeDirs.add(dir);
  const file = join(dir, "config.yaml");
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  return file;
}

/** The entry that runs werift's stock send path, the baseline the lean path is measured against. */
const STOCK_MEDIA_NODE_ENTRY = "test/bench/stockMediaNode.ts";

export interface StartMediaNodeOptions {
  config?: Record<string, any>;
  env?: NodeJS.ProcessEnv;
  dist?: boolean;
  /** "lean" (the product, default) or "stock" (the benchmark baseline; never with dist). */
  fanout?: "lean" | "stock";
  args?: string[];
  timeoutMs?: number;
}

function spawnEntry(options: StartMediaNodeOptions, args: string[]): Child {
  if (options.fanout === "stock") {
    if (options.dist) throw new Error("the stock baseline is not built into dist/: run it without dist");
    return spawnTsx([STOCK_MEDIA_NODE_ENTRY, ...args], { env: options.env });
  }
  return options.dist ? spawnNode([`${REPO_ROOT}dist/media-node/main.js`, ...args], { env: options.env }) : spawnTsx(["media-node/main.ts", ...args], { env: options.env });
}

export async function startMediaNode(options: StartMediaNodeOptions = {}): Promise<StartedNode> {
  const config = await testConfig(options.config);
  const configFile = writeConfigFile(config);
  const args = ["--config", configFile, ...(options.args ?? [])];
  const child = spawnEntry(options, args);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const readyLine = await child.waitForLine((l) => l.includes('"msg":"media node ready"'), timeoutMs, "media node ready");
  const ready = JSON.parse(readyLine) as { http: string; metrics: string; pprof: string; udpPort: number; fanout: string };
  if (options.fanout === "stock" && ready.fanout !== "createStockFanoutSource") throw new Error(`asked for the stock baseline, the node runs ${ready.fanout}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${ready.http}/readyz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw new Error("media node never became ready");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    httpUrl: ready.http,
    metricsUrl: ready.metrics,
    pprofUrl: ready.pprof,
    udpPort: ready.udpPort,
    pid: child.process.pid!,
    child,
    configFile,
    logs: () => child.lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    }),
    async metric(name, labelFilter = () => true) {
      const text = await (await fetch(ready.metrics)).text();
      let total = 0;
      for (const line of text.split("\n")) {
        // Label values may hold braces (route="POST /{path}/whip"): take everything up to the last space.
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? ([0-9.eE+-]+|NaN)$/.exec(line);
        if (m && m[1] === name && labelFilter(m[2] ?? "")) total += Number(m[3]);
      }
      return total;
    },
    stop: () => stopChild(child, 10_000),
  };
}

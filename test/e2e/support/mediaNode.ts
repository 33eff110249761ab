/**
 * Starts a real media-node process for the real-client tests (source via tsx, or dist/ when
 * MEDIAFLEET_E2E_USE_DIST=1), on free loopback ports, with a config built from a few knobs,
 * and waits until /readyz answers. Stdout/stderr are kept for failure messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { freeTcpPort, freeUdpPort } from "./ports.js";

const REPO = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

export interface NodeKnobs {
  nack?: "shared" | "perViewer" | "off";
  mdns?: "off" | "shared" | "perConnection";
  paths?: Array<Record<string, unknown>>;
  /** Merged into `webrtc` as written. */
  webrtc?: Record<string, unknown>;
}

export interface RunningNode {
  baseUrl: string;
  metricsUrl: string;
  udpPort: number;
  config: Record<string, unknown>;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startNode(knobs: NodeKnobs = {}): Promise<RunningNode> {
  const [httpPort, metricsPort, pprofPort, udpPort] = await Promise.all([freeTcpPort(), freeTcpPort(), freeTcpPort(), freeUdpPort()]);
  const config = {
    http: { listen: `127.0.0.1:${httpPort}` },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
    pprof: { listen: `127.0.0.1:${pprofPort}` },
    webrtc: {
      udpPort,
      ipsFromInterfaces: false,
      additionalHosts: ["127.0.0.1"],
      iceServers: [],
      nack: { mode: knobs.nack ?? "shared", historyPackets: 512 },
      mdns: { mode: knobs.mdns ?? "off" },
      rtcpReportInterval: "1s",
      ...knobs.webrtc,
    },
    paths: knobs.paths ?? [{ name: "cam1" }],
  };
  const dir = await mkdtemp(join(tmpdir(), "mediafleet-e2e-node-"));
  const configFile = join(dir, "media-node.yaml");
  await writeFile(configFile, stringify(config));

  const useDist = process.env.MEDIAFLEET_E2E_USE_DIST === "1";
  const args = useDist
    ? [join(REPO, "dist/media-node/main.js"), "--config", configFile]
    : ["--import", "tsx", join(REPO, "media-node/main.ts"), "--config", configFile];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));

  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const node: RunningNode = {
    baseUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    udpPort,
    config,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ready) return node;
    await new Promise((r) => setTimeout(r, 200));
  }
  await node.stop();
  throw new Error(`media-node did not become ready (exit ${child.exitCode}):\n${output.slice(-4000)}`);
}

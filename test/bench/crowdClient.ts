/**
 * Harness-side handle on a viewerCrowd.ts process: spawn, send a command, await its reply
 * (every wait bounded), stop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { ConnectResult, CrowdReport } from "./crowdProtocol.js";
import { REPO_ROOT, NODE_BIN } from "./paths.js";

export interface Crowd {
  readonly pid: number;
  connect(url: string, count: number, options?: { concurrency?: number; timeoutMs?: number }): Promise<ConnectResult[]>;
  startWindow(): Promise<void>;
  report(): Promise<CrowdReport>;
  closeAll(): Promise<number>;
  stop(): Promise<void>;
}

export async function startCrowd(options: { light: boolean; startTimeoutMs?: number }): Promise<Crowd> {
  const child: ChildProcess = spawn(NODE_BIN, ["--import", "tsx", "test/bench/viewerCrowd.ts", ...(options.light ? ["--light"] : [])], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const waiting = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const stderr: string[] = [];
  let ready: () => void;
  let failStart: (e: Error) => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failStart = reject;
  });
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line) > 50 && stderr.shift());
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (msg.event === "ready") ready();
    if (typeof msg.reply === "number") {
      const w = waiting.get(msg.reply);
      waiting.delete(msg.reply);
      if (msg.ok) w?.resolve(msg);
      else w?.reject(new Error(String(msg.error)));
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    const error = new Error(`viewer crowd exited; stderr: ${stderr.slice(-5).join(" | ")}`);
    failStart(error);
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });
  const startTimer = setTimeout(() => failStart(new Error("viewer crowd did not start in time")), options.startTimeoutMs ?? 30_000);
  await started.finally(() => clearTimeout(startTimer));

  let nextReq = 1;
  const call = (op: string, args: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> => {
    const req = nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(req);
        reject(new Error(`crowd ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(req, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.stdin!.write(JSON.stringify({ req, op, ...args }) + "\n");
    });
  };

  return {
    pid: child.pid!,
    async connect(url, count, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 60_000;
      // Each viewer has its own deadline; workers run ceil(count / concurrency) viewers each.
      const rounds = Math.ceil(count / Math.max(1, Math.min(opts.concurrency ?? count, count)));
      const reply = await call("connect", { url, count, concurrency: opts.concurrency, timeoutMs }, timeoutMs * rounds + 10_000);
      return reply.results as ConnectResult[];
    },
    async startWindow() {
      await call("window", {}, 10_000);
    },
    async report() {
      return (await call("report", {}, 10_000)) as unknown as CrowdReport;
    },
    async closeAll() {
      return Number((await call("closeAll", {}, 30_000)).closed);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await call("exit", {}, 10_000).catch(() => undefined);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

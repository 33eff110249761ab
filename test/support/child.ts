/**
 * Spawning test processes: the pinned Node 24 (node_modules/.bin/node) with the tsx loader,
 * from the repository root, as ONE process (no npx wrapper, so signals and exit codes are
 * the program's own); stdout split into lines, every line kept; `waitForLine` waits (bounded)
 * for a matching line. Used by media-node.ts and clients.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line (past or future) for which `match` is true. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what?: string): Promise<string>;
  onLine(listener: (line: string) => void): void;
}

export const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`;

/** Runs a TypeScript file (path relative to the repository root) with tsx. */
export function spawnTsx(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): Child {
  return spawnNode(["--import", "tsx", ...args], options);
}

/** Runs the pinned Node with these arguments (e.g. dist/media-node/main.js). */
export function spawnNode(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): Child {
  const child = spawn(NODE_BIN, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, npm_config_loglevel: "error" },
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  return wrapChild(child);
}

export function wrapChild(child: ChildProcess): Child {
  const lines: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    lines,
    stderr,
    exited,
    onLine: (listener) => listeners.add(listener),
    waitForLine(match, timeoutMs, what = "a matching line") {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr.slice(-5).join(" | ")}`));
        }, timeoutMs);
        const listener = (line: string) => {
          if (!match(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void exited.then(() => {
          if (!listeners.has(listener)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          reject(new Error(`process exited while waiting for ${what}; stderr: ${stderr.slice(-5).join(" | ")}`));
        });
      });
    },
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit and how long it took. */
export async function stopChild(child: Child, graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  if (child.process.exitCode !== null || child.process.signalCode !== null) return { ...(await child.exited), ms: 0 };
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return { ...result, ms: Date.now() - started };
}

/**
 * Helpers for operator tests against a real control plane: run the operator as a child
 * process (node --import tsx, no npx wrapper, so SIGKILL hits the operator itself), read its
 * JSON logs and metrics, drive kubectl, wait with bounds.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../cluster/controlPlane.js";
import { applyCrdAndWait, KUBECTL } from "../cluster/kubectl.js";
import { pollFor } from "../support/poll.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export { KUBECTL };

export function kubectl(kubeconfigPath: string, args: string[], input?: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(KUBECTL, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath }, timeout: timeoutMs, maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function kubectlJson<T = any>(kubeconfigPath: string, args: string[]): Promise<T> {
  return JSON.parse(await kubectl(kubeconfigPath, [...args, "-o", "json"])) as T;
}

/**
 * Polls `probe` until it returns a value other than undefined/false (errors count as "not yet"),
 * or throws after `timeoutMs`: the shared `pollFor` with this file's argument order.
 */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 100): Promise<T> {
  return pollFor(probe, timeoutMs, what, { intervalMs, retryErrors: true });
}

/** A control plane with the MediaServer CRD installed and established. */
export async function controlPlaneWithCrd(): Promise<ControlPlane> {
  const cp = await startControlPlane();
  try {
    await applyCrdAndWait(cp.kubeconfigPath, `${REPO_ROOT}/crds/mediaserver.yaml`);
    // The namespace "default" exists once the API server's bootstrap controller made it.
    await waitFor("namespace default", () => kubectl(cp.kubeconfigPath, ["get", "namespace", "default", "-o", "name"]).then(Boolean), 30_000, 200);
  } catch (error) {
    await cp.stop();
    throw error;
  }
  return cp;
}

/**
 * For a test file: one control plane with the CRD before its tests, and the operators its tests
 * start (push them to `operators`) killed with it afterwards.
 */
export function controlPlaneForFile(): { cp: () => ControlPlane; kc: () => string; operators: OperatorProcess[] } {
  let cp: ControlPlane | undefined;
  const operators: OperatorProcess[] = [];
  before(async () => {
    cp = await controlPlaneWithCrd();
  });
  after(async () => {
    for (const operator of operators) await operator.stop("SIGKILL");
    await cp?.stop();
  });
  return { cp: () => cp!, kc: () => cp!.kubeconfigPath, operators };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export class OperatorProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  metricsUrl = "";
  healthUrl = "";
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess, readonly name: string) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { level: 30, msg: line };
      }
      this.logs.push(parsed);
      if (parsed.msg === "operator starting") {
        this.metricsUrl = `http://${String(parsed.metricsAddress)}`;
        this.healthUrl = `http://${String(parsed.healthAddress)}`;
      }
      for (const wake of this.waiters) wake();
    });
    createInterface({ input: child.stderr! }).on("line", (line) => this.stderr.push(line));
    this.exited = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line matching `predicate` (already seen or future). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const found = this.logs.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.name}: no matching log line within ${timeoutMs} ms; last lines:\n${this.logs.slice(-10).map((l) => JSON.stringify(l)).join("\n")}\n${this.stderr.slice(-10).join("\n")}`));
      }, timeoutMs);
      const check = () => {
        const line = this.logs.find(predicate);
        if (!line) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(line);
      };
      this.waiters.add(check);
    });
  }

  async metricsText(): Promise<string> {
    const response = await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.text();
  }

  /** Sum of a counter's samples whose labels include `labels`. */
  async counter(name: string, labels: Record<string, string> = {}): Promise<number> {
    return sumSamples(await this.metricsText(), name, labels);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^{\s]+)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sampleLabels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => sampleLabels[k] === v)) total += Number(match[3]);
  }
  return total;
}

export interface StartOperatorOptions {
  kubeconfigPath: string;
  name?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts `operator/main.ts` and waits until its listeners are up. */
export async function startOperator(options: StartOperatorOptions): Promise<OperatorProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "operator/main.ts", "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0", ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, KUBECONFIG: options.kubeconfigPath, LOG_LEVEL: "debug", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const operator = new OperatorProcess(child, options.name ?? `operator-${child.pid}`);
  await operator.waitForLog((line) => line.msg === "operator starting", 30_000);
  return operator;
}

export async function waitReady(operator: OperatorProcess, timeoutMs = 15_000): Promise<void> {
  await waitFor(`${operator.name} /readyz`, async () => (await fetch(`${operator.healthUrl}/readyz`)).status === 200, timeoutMs);
}

export function sampleMediaServer(name: string, overrides: { replicas?: number; image?: string; namespace?: string } = {}): string {
  return `apiVersion: mediafleet.io/v1alpha1
kind: MediaServer
metadata:
  name: ${name}
  namespace: ${overrides.namespace ?? "default"}
spec:
  image: ${overrides.image ?? "ghcr.io/mediafleet/media-node:0.1.0"}
  replicas: ${overrides.replicas ?? 2}
  webrtc:
    udpPort: 8118
    ipsFromInterfaces: false
    additionalHosts: ["127.0.0.1"]
    nack: { mode: shared, historyPackets: 512 }
    mdns: { mode: "off" }
    rtcpReportInterval: 3s
  paths:
    - name: cam1
  service:
    type: ClusterIP
`;
}

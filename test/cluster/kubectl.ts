// Small helpers for tests that drive the control plane: the real kubectl, and bounded waits.
import { execFile } from 'node:child_process';
import { pollFor } from '../support/poll.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs /usr/bin/kubectl (or $KUBECTL) against kubeconfigPath; never throws on exit code. */
export function kubectl(kubeconfigPath: string, args: string[], input?: string, timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.env.KUBECTL ?? 'kubectl',
      ['--kubeconfig', kubeconfigPath, ...args],
      { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like kubectl, but throws with stderr unless it exits 0; returns stdout. */
export async function kubectlOk(kubeconfigPath: string, args: string[], input?: string, timeoutMs?: number): Promise<string> {
  const result = await kubectl(kubeconfigPath, args, input, timeoutMs);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Polls check until it returns a value other than undefined/false (errors count as "not yet"),
 * or throws after timeoutMs with what the last attempt said: the shared `pollFor` with this
 * file's argument order and a 250 ms default interval.
 */
export function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  return pollFor(check, timeoutMs, what, { intervalMs, retryErrors: true });
}

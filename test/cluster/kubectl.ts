// Small helpers for tests that drive the control plane: the real kubectl, and bounded waits.
import { execFile } from 'node:child_process';
import { pollFor } from '../support/poll.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The kubectl every test and the demo run: `$KUBECTL`, which `npm test` and `npm start` set to
 * the one built with the control plane (test/cluster/build.sh, the API server's own release),
 * else `kubectl` on PATH for a hand-run test.
 */
export const KUBECTL = process.env.KUBECTL || 'kubectl';

/** Runs KUBECTL against kubeconfigPath; never throws on exit code. */
export function kubectl(kubeconfigPath: string, args: string[], input?: string, timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
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

/**
 * Applies the repository's MediaServer CRD and waits until it is Established. Polled with
 * `get`, not `kubectl wait`, which fails outright while a new CRD has no conditions yet.
 */
export async function applyCrdAndWait(kubeconfigPath: string, crdFile: string, timeoutMs = 30_000): Promise<void> {
  await kubectlOk(kubeconfigPath, ['apply', '--server-side', '-f', crdFile]);
  await waitCrdEstablished(kubeconfigPath, 'mediaservers.mediafleet.io', timeoutMs);
}

export async function waitCrdEstablished(kubeconfigPath: string, name: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(`CRD ${name} Established`, async () => {
    const status = await kubectlOk(kubeconfigPath, ['get', `crd/${name}`, '-o', "jsonpath={.status.conditions[?(@.type=='Established')].status}"]);
    return status.trim() === 'True';
  }, timeoutMs, 200);
}

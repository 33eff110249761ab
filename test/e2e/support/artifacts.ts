/** Where tests keep what a person should look at afterwards (gitignored). */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = resolve(fileURLToPath(new URL("../../..", import.meta.url)), "test-results");

export function artifactPath(name: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, name);
}

/** Path state from `GET /v1/paths`. */
export async function pathInfo(baseUrl: string, name: string): Promise<{ publisher: boolean; viewers: number; codecs: string[] } | undefined> {
  const response = await fetch(`${baseUrl}/v1/paths`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { paths: Array<{ name: string; publisher: boolean; viewers: number; codecs: string[] }> };
  return body.paths.find((p) => p.name === name);
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes. */
export async function eventually(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

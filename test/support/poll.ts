/**
 * The one bounded wait for tests and their support code: ask for a value until it is the one
 * expected, or fail naming what was awaited and what was last seen. A fixed sleep guards
 * nothing on a loaded machine; a poll waits exactly as long as the condition needs.
 *
 *   await poll(() => clients.report("v1"), (r) => r.packets.length > 10, 10_000, "media to flow");
 *   const pod = await pollFor(() => readyPod("app=web"), 30_000, "web pod ready", { retryErrors: true });
 */

export interface PollOptions {
  /** Pause between attempts, default 100 ms (probes of in-process state may use a few ms). */
  intervalMs?: number;
  /**
   * A probe that throws counts as "not yet", its message reported at the timeout (for probes
   * of servers still starting). Default: the probe's error ends the wait at once.
   */
  retryErrors?: boolean;
  /**
   * Asked before every attempt: a reason ends the wait at once with it, e.g. "the process
   * exited" when waiting longer cannot help.
   */
  giveUp?: () => string | undefined | Promise<string | undefined>;
  /** Appended to the timeout error, e.g. a log tail. */
  onTimeout?: () => string | Promise<string>;
}

const MAX_DESCRIBED_CHARS = 2000;

/**
 * Calls `fn` every `intervalMs` (default 100) until `ok` accepts its value and returns that
 * value; after `timeoutMs` throws naming `what` and the last value. Always tries at least once
 * and once more at the deadline.
 */
export async function poll<T>(fn: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string, options: PollOptions = {}): Promise<T> {
  const { intervalMs = 100, retryErrors = false, giveUp, onTimeout } = options;
  const deadline = Date.now() + timeoutMs;
  let last = "no attempt finished";
  for (;;) {
    const reason = await giveUp?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await fn();
      if (ok(value)) return value;
      last = `last: ${describe(value)}`;
    } catch (error) {
      if (!retryErrors) throw error;
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const detail = onTimeout ? `\n${await onTimeout()}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${last}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/** Polls until `probe` returns something other than undefined or false, and returns it. */
export function pollFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string, options: PollOptions = {}): Promise<T> {
  return poll(probe, (value) => value !== undefined && value !== false, timeoutMs, what, options) as Promise<T>;
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_DESCRIBED_CHARS ? `${text.slice(0, MAX_DESCRIBED_CHARS)}… (${text.length} chars)` : text;
}

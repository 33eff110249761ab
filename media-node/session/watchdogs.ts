/**
 * Every session's inactivity watchdog on one timer. A session registers how to read its last
 * activity; one pass every quarter of the timeout (50 ms..1 s) ends the sessions that have been
 * silent for longer than webrtc.sessionTimeout. N sessions cost one timer and one wake-up per
 * pass, not N intervals; a fired watchdog is removed, so a session is ended once.
 */
import { realTimers, type Timers } from "../../common/timers.js";

export interface Watchdogs {
  /** Watches one session until the returned function is called or it fires. */
  watch(lastActivityMs: () => number, onTimeout: () => void): () => void;
  size(): number;
  close(): void;
}

interface Watched {
  lastActivityMs: () => number;
  onTimeout: () => void;
}

export interface WatchdogOptions {
  timeoutMs: number;
  timers?: Timers;
  /** A session whose timeout handler throws is reported here; the other sessions are still checked. */
  onError?: (error: unknown) => void;
}

export function checkIntervalMs(timeoutMs: number): number {
  return Math.max(50, Math.min(1000, timeoutMs / 4));
}

export function createWatchdogs(options: WatchdogOptions): Watchdogs {
  const { timeoutMs } = options;
  const timers = options.timers ?? realTimers;
  const everyMs = checkIntervalMs(timeoutMs);
  const watched = new Set<Watched>();
  let handle: unknown;
  let closed = false;

  const disarm = () => {
    if (handle === undefined) return;
    timers.clearTimeout(handle);
    handle = undefined;
  };
  const arm = () => {
    if (handle === undefined && !closed && watched.size > 0) handle = timers.setTimeout(check, everyMs);
  };
  const check = () => {
    handle = undefined;
    const now = timers.now();
    for (const entry of watched) {
      if (now - entry.lastActivityMs() <= timeoutMs) continue;
      watched.delete(entry);
      try {
        entry.onTimeout();
      } catch (error) {
        options.onError?.(error);
      }
    }
    arm();
  };

  return {
    watch(lastActivityMs, onTimeout) {
      if (closed) return () => undefined;
      const entry: Watched = { lastActivityMs, onTimeout };
      watched.add(entry);
      arm();
      return () => {
        watched.delete(entry);
        if (watched.size === 0) disarm();
      };
    },
    size: () => watched.size,
    close() {
      closed = true;
      watched.clear();
      disarm();
    },
  };
}

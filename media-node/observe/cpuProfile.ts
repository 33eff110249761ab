/**
 * CPU profiles (wall-clock sampling with per-sample CPU time, @datadog/pprof `time`).
 * V8 runs one CPU profiler per isolate, so requests are serialised: a second request while
 * one runs is refused (the HTTP layer answers 409) rather than queued behind it.
 */
import { time } from "@datadog/pprof";
import type { Profile } from "./heapProfile.js";

export const MIN_PROFILE_SECONDS = 1;
export const MAX_PROFILE_SECONDS = 60;
export const DEFAULT_PROFILE_SECONDS = 30;
/** 1 kHz: enough samples in a few seconds to rank the hot paths of a busy node. */
const SAMPLE_INTERVAL_MICROS = 1000;

export class ProfileBusyError extends Error {
  readonly code = "PPROF_BUSY";
  constructor() {
    super("a CPU profile is already being collected; retry when it finishes");
    this.name = "ProfileBusyError";
  }
}

let running = false;

export function cpuProfileRunning(): boolean {
  return running;
}

/** Parses `?seconds=` (Go's default 30 s), or returns why it is unusable. */
export function parseProfileSeconds(raw: string | null): number | string {
  if (raw === null || raw === "") return DEFAULT_PROFILE_SECONDS;
  if (!/^[0-9]+$/.test(raw)) return `seconds must be a whole number, got "${raw}"`;
  const seconds = Number(raw);
  if (seconds < MIN_PROFILE_SECONDS || seconds > MAX_PROFILE_SECONDS) {
    return `seconds must be between ${MIN_PROFILE_SECONDS} and ${MAX_PROFILE_SECONDS}`;
  }
  return seconds;
}

export async function collectCpuProfile(seconds: number): Promise<Profile> {
  if (running) throw new ProfileBusyError();
  running = true;
  try {
    return await time.profile({
      durationMillis: seconds * 1000,
      intervalMicros: SAMPLE_INTERVAL_MICROS,
      // CPU time per sample needs the context-tracking mode of the wall profiler.
      withContexts: true,
      collectCpuTime: true,
    });
  } finally {
    running = false;
  }
}

// A child process in its own process group, output appended to a log file, killed as a group.
// Test helpers spawn servers that fork (Go runtimes do not, but shells and Node children may);
// killing the group instead of the pid leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

export interface GroupProcess {
  /** Pid of the group leader (a guard shell; the command is its child, in the same group). */
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code once the command has exited (128 + n when killed by signal n). */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves when the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnGroupOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

// Groups still alive when this process exits are killed synchronously, so a crashed test run
// does not leave an API server holding ports.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

// The group leader is a small bash guard around the real command: if this Node process dies
// without running its exit hook (SIGKILL, or a signal's default action, as when a test runner
// is interrupted), a watchdog subshell sees the parent gone within a second and ends the
// command, so no API server outlives its test. A signal sent to the group reaches the command
// directly; the guard ignores it and exits with the command's status.
// The guard's own wait is a plain `wait PID`: POSIX keeps the status of an already-finished
// background pid for it, whereas `wait -n PID` loses a job bash has already reaped (seen on a
// CI machine: "wait: PID: no such job" for a command that exited at once, and the guard never
// returned). The watchdog is started before the guard ignores TERM so it can still be stopped.
// (Non-interactive bash starts background commands with SIGINT ignored; stop with SIGTERM.)
const GUARD = [
  'parent=$1; shift',
  '"$@" & child=$!',
  '(',
  `  trap 'kill "$tick" 2>/dev/null; exit 0' TERM`,
  '  while kill -0 "$parent" 2>/dev/null; do sleep 1 & tick=$!; wait "$tick"; done',
  '  kill -TERM "$child" 2>/dev/null',
  '  for _ in 1 2 3; do kill -0 "$child" 2>/dev/null || exit 0; sleep 1 & tick=$!; wait "$tick"; done',
  '  kill -KILL "$child" 2>/dev/null',
  ') & watchdog=$!',
  "trap '' TERM INT HUP",
  'wait "$child"; status=$?',
  'kill "$watchdog" 2>/dev/null',
  'exit "$status"',
].join('\n');

export function spawnGroup(command: string, args: string[], logPath: string, options: SpawnGroupOptions = {}): GroupProcess {
  installExitHook();
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn('bash', ['-c', GUARD, 'guard', String(process.pid), command, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', logFd, logFd],
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      done = true;
      resolve(`spawn error: ${err.message}`);
    });
  });
  const pid = child.pid ?? -1;
  if (pid > 0) liveGroups.add(pid);
  // Deliberately not unref'd: awaiting `exited` must keep Node alive until the exit arrives.

  return {
    pid,
    logPath,
    exited,
    hasExited: () => done,
    async stop(graceMs = 5000): Promise<void> {
      if (pid <= 0) return;
      if (!done) killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
      // Stragglers that ignored SIGTERM in the same group.
      killGroup(pid, 'SIGKILL');
    },
  };
}

export function tailOfFile(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log at ${path}: ${(err as Error).message})`;
  }
}

/** True while a process with this pid exists (signal 0 probes without delivering). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every live (non-zombie) process on the machine with its process group, from /proc (Linux). */
function* liveProcesses(): Generator<{ pid: number; pgid: number }> {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && fields[0] !== 'X') yield { pid: Number(entry), pgid: Number(fields[2]) };
  }
}

/**
 * Pids of the non-zombie processes in a process group, read from /proc (Linux). Zombies are
 * left out: they hold no resources and, once reparented, may wait a while to be reaped.
 */
export function liveProcessesInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const p of liveProcesses()) if (p.pgid === pgid) live.push(p.pid);
  return live;
}

/**
 * Resident memory (VmRSS) summed over each group's live processes, in bytes, with ONE pass
 * over /proc for all the groups asked about (the sim polls every limited container at once).
 * A group with no live process is absent from the result.
 */
export function rssOfProcessGroups(pgids: ReadonlySet<number>): Map<number, number> {
  const rss = new Map<number, number>();
  if (pgids.size === 0) return rss;
  for (const { pid, pgid } of liveProcesses()) {
    if (!pgids.has(pgid)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue;
    }
    // Kernel threads have no VmRSS line; "VmRSS:   123456 kB" means KiB.
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    rss.set(pgid, (rss.get(pgid) ?? 0) + (kib === undefined ? 0 : Number(kib) * 1024));
  }
  return rss;
}

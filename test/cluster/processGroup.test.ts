// Integration (real processes): process groups spawned for the control plane and the sim.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { poll } from '../support/poll.js';
import { waitUntil } from './kubectl.js';
import { isPidAlive, liveProcessesInGroup, spawnGroup } from './processGroup.js';

/** How many live processes of group `pgid` run exactly `argv` (from /proc/<pid>/cmdline). */
function running(pgid: number, argv: string[]): number {
  const wanted = argv.join('\0') + '\0';
  return liveProcessesInGroup(pgid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted;
    } catch {
      return false; // exited while we looked
    }
  }).length;
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediafleet-pg-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('spawnGroup -> exit code of the command, output in the log file', async () => {
  const log = join(dir, 'exit.log');
  const proc = spawnGroup('sh', ['-c', 'echo hello-log; exit 3'], log);
  assert.equal(await proc.exited, 3);
  assert.match(await readFile(log, 'utf8'), /hello-log/);
});

test('commands that exit at once, 40 side by side -> every exit code seen promptly, every group empty', async () => {
  // The guard once lost a command that finished before it started waiting (bash `wait -n`
  // on an already-reaped job) and never returned; many at once makes that race likely.
  const startedAt = Date.now();
  const procs = Array.from({ length: 40 }, (_, i) => spawnGroup('sh', ['-c', `exit ${i % 7}`], join(dir, `quick-${i}.log`)));
  const codes = await Promise.race([
    Promise.all(procs.map((p) => p.exited)),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a guard did not return within 10 s')), 10_000)),
  ]);
  assert.deepEqual(codes, procs.map((_, i) => i % 7));
  assert.ok(Date.now() - startedAt < 10_000);
  for (const p of procs) await waitUntil('group empty', async () => liveProcessesInGroup(p.pid).length === 0, 3000, 50);
});

test('stop() -> SIGTERM ends the command (exit 143) and the whole group is gone', async (t) => {
  const proc = spawnGroup('sh', ['-c', 'sleep 300 & sleep 300; wait'], join(dir, 'stop.log'));
  t.after(() => proc.stop(100));
  await poll(() => running(proc.pid, ['sleep', '300']), (n) => n === 2, 5000, 'both sleeps started', { intervalMs: 20 });
  await proc.stop(2000);
  assert.equal(proc.hasExited(), true);
  assert.equal(await proc.exited, 143, 'the command ended by SIGTERM (128 + 15)');
  assert.equal(isPidAlive(proc.pid), false);
  await waitUntil('group empty', async () => liveProcessesInGroup(proc.pid).length === 0, 2000, 50);
});

test('stop() on a command that ignores SIGTERM -> SIGKILL after the grace period', async (t) => {
  const proc = spawnGroup('sh', ['-c', 'trap "" TERM; sleep 300'], join(dir, 'stubborn.log'));
  t.after(() => proc.stop(100));
  // the sleep runs once the trap is set: from then on SIGTERM is ignored
  await poll(() => running(proc.pid, ['sleep', '300']), (n) => n === 1, 5000, 'the sleep after the trap started', { intervalMs: 20 });
  const startedAt = Date.now();
  await proc.stop(500);
  const took = Date.now() - startedAt;
  assert.ok(took >= 450 && took < 5000, `stop took ${took} ms`);
  await waitUntil('group empty', async () => liveProcessesInGroup(proc.pid).length === 0, 2000, 50);
});

test('owner killed with SIGKILL (no exit hook) -> the guard ends its command within seconds', async (t) => {
  const pidFile = join(dir, 'orphan.pid');
  const script = `
    import { spawnGroup } from ${JSON.stringify(new URL('./processGroup.ts', import.meta.url).pathname)};
    import { writeFileSync } from 'node:fs';
    const g = spawnGroup('sleep', ['300'], ${JSON.stringify(join(dir, 'orphan.log'))});
    writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
    setInterval(() => {}, 1000);
  `;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
  t.after(() => owner.kill('SIGKILL'));
  const groupPid = await waitUntil('owner wrote the group pid', async () => Number(await readFile(pidFile, 'utf8')) || undefined, 20_000);
  t.after(() => {
    try {
      process.kill(-groupPid, 'SIGKILL');
    } catch {
      // already gone, as expected
    }
  });
  assert.ok(liveProcessesInGroup(groupPid).length >= 2, 'guard and sleep running');
  owner.kill('SIGKILL');
  await waitUntil('orphaned group gone', async () => liveProcessesInGroup(groupPid).length === 0,
    8000,
  );
});

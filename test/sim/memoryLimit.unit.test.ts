import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { rssOfProcessGroups, spawnGroup } from '../cluster/processGroup.js';
import { memoryLimitBytes, parseMemoryBytes, parseQuantity, RssWatcher } from './memoryLimit.js';
import { PodRunner } from './podRunner.js';
import { buildPodStatus } from './podStatus.js';

const Mi = 2 ** 20;

test('quantities: binary and decimal suffixes, plain bytes, fractions, exponents', () => {
  const cases: Array<[string, number]> = [
    ['300Mi', 300 * Mi],
    ['1Gi', 2 ** 30],
    ['500M', 500e6],
    ['1048576', 1048576],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['64Ki', 65536],
    ['2k', 2000],
    ['1G', 1e9],
    ['1Ti', 2 ** 40],
    ['12e6', 12e6],
    ['1E3', 1000],
    ['1E', 1e18],
    ['.5Mi', 0.5 * Mi],
    [' 128Mi ', 128 * Mi],
  ];
  for (const [text, bytes] of cases) assert.equal(parseQuantity(text), bytes, text);
  assert.equal(parseQuantity('-1Gi'), -(2 ** 30));
  assert.equal(parseQuantity('100m'), 0.1);
});

test('memory bytes round up to whole bytes; malformed or negative quantities are errors', () => {
  assert.equal(parseMemoryBytes('100m'), 1);
  assert.equal(parseMemoryBytes('1.1'), 2);
  for (const bad of ['', 'Mi', '12MB', '1.2.3', '1e', '1 Gi', 'ten', '0x10']) {
    assert.throws(() => parseMemoryBytes(bad), /is not a Kubernetes quantity/, bad);
  }
  assert.throws(() => parseMemoryBytes('-1Gi'), /negative/);
});

test('memoryLimitBytes: from resources.limits.memory; requests alone are no limit', () => {
  assert.equal(memoryLimitBytes({ resources: { limits: { memory: '300Mi' } } }), 300 * Mi);
  assert.equal(memoryLimitBytes({ resources: { requests: { memory: '300Mi' } } }), undefined);
  assert.equal(memoryLimitBytes({}), undefined);
});

test('RssWatcher: calls back once, only above the limit, and only for its own group', () => {
  const rss = new Map([[10, 100], [20, 500]]);
  const watcher = new RssWatcher(60_000, (pgids) => new Map([...rss].filter(([pgid]) => pgids.has(pgid))));
  const over: Array<[number, number]> = [];
  const stop10 = watcher.watch(10, 200, (bytes) => over.push([10, bytes]));
  watcher.watch(20, 500, (bytes) => over.push([20, bytes]));
  watcher.tick();
  assert.deepEqual(over, [], 'at the limit is not over it');
  rss.set(20, 501);
  watcher.tick();
  watcher.tick();
  assert.deepEqual(over, [[20, 501]], 'once');
  stop10();
  rss.set(10, 10_000);
  watcher.tick();
  assert.deepEqual(over, [[20, 501]], 'a stopped watch is quiet');
});

test('rssOfProcessGroups: a real group is counted, its RSS plausible; unknown groups are absent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-rss-'));
  const proc = spawnGroup('sleep', ['30'], join(dir, 'log'));
  try {
    // Right after exec a process has barely mapped anything: wait for the guard's child to run.
    const deadline = Date.now() + 3000;
    let rss = rssOfProcessGroups(new Set([proc.pid, 999_999_999]));
    while ((rss.get(proc.pid) ?? 0) < 2 * Mi && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rss = rssOfProcessGroups(new Set([proc.pid, 999_999_999]));
    }
    const bytes = rss.get(proc.pid);
    assert.ok(bytes !== undefined && bytes >= 2 * Mi && bytes < 256 * Mi, `rss ${bytes}`);
    assert.equal(rss.has(999_999_999), false);
  } finally {
    await proc.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  }
});

// A real process over a tiny limit, through the pod runner: SIGKILL, OOMKilled, 137, restart.
test('a container over its memory limit is OOM-killed and restarted as a kubelet would', { timeout: 15_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-oom-'));
  const logPath = join(dir, 'pod.log');
  // 8 MiB of filled Buffers every 20 ms, capped at 1 GiB; exits on its own after 8 s regardless.
  const hog = 'const k=[];let n=0;setInterval(()=>{if(n<128){k.push(Buffer.alloc(8<<20,1));n++}},20);setTimeout(()=>process.exit(3),8000)';
  const pod: V1Pod = {
    metadata: { name: 'hog', namespace: 'default', uid: 'u-oom' },
    spec: {
      restartPolicy: 'Always',
      containers: [{ name: 'hog', image: 'hog:1', command: ['node', '-e', hog], resources: { limits: { memory: '160Mi' } } }],
    },
  };
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '(no log yet)';
    }
  };
  let changes = 0;
  const runner = new PodRunner({
    pod,
    podIP: '127.10.99.1',
    hostIP: '127.0.0.1',
    repoRoot: dir,
    nodeExecPath: process.execPath,
    podDir: join(dir, 'pod'),
    logPath,
    api: {
      configMapData: async () => undefined,
      secretData: async () => undefined,
      serviceAccountToken: async () => {
        throw new Error('not used');
      },
    },
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    maxGraceMs: 1000,
    onChange: () => changes++,
  });
  const started = Date.now();
  try {
    runner.start();
    const view = runner.view.containers[0]!;
    while (view.restartCount < 1) {
      if (Date.now() - started > 7000) assert.fail(`not OOM-killed in time; log:\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const last = view.lastTerminated;
    assert.equal(last?.reason, 'OOMKilled', `log:\n${log()}`);
    assert.equal(last?.exitCode, 137);
    assert.equal(last?.signal, undefined);
    const status = buildPodStatus(runner.view, undefined, new Date()).containerStatuses?.[0];
    assert.equal(status?.lastState?.terminated?.reason, 'OOMKilled');
    assert.equal(status?.lastState?.terminated?.exitCode, 137);
    assert.equal(status?.restartCount, 1);
    // Either still backing off or already started again: both are what a kubelet reports.
    assert.ok(status?.state?.waiting?.reason === 'CrashLoopBackOff' || status?.state?.running, JSON.stringify(status?.state));
    assert.match(log(), /resident memory \d+ bytes over its limit 167772160: OOMKilled/);
    assert.ok(changes > 0);
  } finally {
    await runner.terminate(0);
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPodStatus, podPhase, type ContainerView, type PodView } from './podStatus.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:05Z');

const container = (over: Partial<ContainerView> = {}): ContainerView => ({
  name: 'main',
  image: 'img:1',
  state: { kind: 'running', startedAt: t0 },
  restartCount: 0,
  ready: true,
  willRestart: true,
  pid: 42,
  ...over,
});

const view = (containers: ContainerView[], init: PodView['init'] = 'done'): PodView => ({
  podIP: '127.10.0.2',
  hostIP: '127.0.0.1',
  startTime: t0,
  init,
  initContainers: [],
  containers,
});

const condition = (status: ReturnType<typeof buildPodStatus>, type: string) => status.conditions?.find((c) => c.type === type);

test('podPhase: waiting containers -> Pending; running -> Running; init running -> Pending', () => {
  assert.equal(podPhase(view([container({ state: { kind: 'waiting', reason: 'ContainerCreating' }, ready: false })])), 'Pending');
  assert.equal(podPhase(view([container()])), 'Running');
  assert.equal(podPhase(view([container()], 'running')), 'Pending');
  assert.equal(podPhase(view([container()], 'failed')), 'Failed');
});

test('podPhase: all terminated without restart -> Succeeded if all exit 0, else Failed', () => {
  const done = (exitCode: number) =>
    container({ state: { kind: 'terminated', exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: t0, finishedAt: t1 }, willRestart: false, ready: false });
  assert.equal(podPhase(view([done(0), done(0)])), 'Succeeded');
  assert.equal(podPhase(view([done(0), done(2)])), 'Failed');
});

test('podPhase: crash looping (waiting after a restart) -> Running', () => {
  const looping = container({
    state: { kind: 'waiting', reason: 'CrashLoopBackOff' },
    restartCount: 3,
    ready: false,
    lastTerminated: { kind: 'terminated', exitCode: 1, reason: 'Error', startedAt: t0, finishedAt: t1 },
  });
  assert.equal(podPhase(view([looping])), 'Running');
  const status = buildPodStatus(view([looping]), undefined, t1);
  assert.equal(status.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
  assert.equal(status.containerStatuses?.[0]?.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(condition(status, 'Ready')?.status, 'False');
});

test('buildPodStatus: ready containers -> Ready/ContainersReady True, IPs and container status filled', () => {
  const status = buildPodStatus(view([container()]), undefined, t0);
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, '127.10.0.2');
  assert.deepEqual(status.podIPs, [{ ip: '127.10.0.2' }]);
  assert.equal(status.hostIP, '127.0.0.1');
  for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(condition(status, type)?.status, 'True', type);
  const c = status.containerStatuses?.[0];
  assert.equal(c?.ready, true);
  assert.equal(c?.imageID, 'sim://img:1');
  assert.equal(c?.containerID, 'sim://42');
  assert.deepEqual(c?.state?.running?.startedAt, t0);
});

test('buildPodStatus: lastTransitionTime moves only when a condition flips', () => {
  const first = buildPodStatus(view([container({ ready: false })]), undefined, t0);
  const same = buildPodStatus(view([container({ ready: false })]), first.conditions, t1);
  assert.deepEqual(condition(same, 'Ready')?.lastTransitionTime, t0);
  const flipped = buildPodStatus(view([container({ ready: true })]), same.conditions, t1);
  assert.deepEqual(condition(flipped, 'Ready')?.lastTransitionTime, t1);
  assert.deepEqual(condition(flipped, 'PodScheduled')?.lastTransitionTime, t0);
});

test('OOMKilled: terminated 137 with reason OOMKilled and no signal message; restartPolicy Never -> Failed', () => {
  const oom = { kind: 'terminated' as const, exitCode: 137, reason: 'OOMKilled', startedAt: t0, finishedAt: t1 };
  const gone = buildPodStatus(view([container({ state: oom, willRestart: false, ready: false })]), undefined, t1);
  assert.equal(gone.phase, 'Failed');
  assert.deepEqual(gone.containerStatuses?.[0]?.state?.terminated, { exitCode: 137, reason: 'OOMKilled', startedAt: t0, finishedAt: t1 });
  assert.equal(condition(gone, 'Ready')?.status, 'False');
});

test('OOMKilled then restarted: lastState.terminated OOMKilled, waiting CrashLoopBackOff, restartCount counts it', () => {
  const looping = container({
    state: { kind: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off restarting main' },
    restartCount: 2,
    ready: false,
    lastTerminated: { kind: 'terminated', exitCode: 137, reason: 'OOMKilled', startedAt: t0, finishedAt: t1 },
  });
  const status = buildPodStatus(view([looping]), undefined, t1);
  assert.equal(status.phase, 'Running');
  const c = status.containerStatuses?.[0];
  assert.equal(c?.restartCount, 2);
  assert.equal(c?.lastState?.terminated?.reason, 'OOMKilled');
  assert.equal(c?.lastState?.terminated?.exitCode, 137);
  assert.equal(c?.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(c?.started, false);
});

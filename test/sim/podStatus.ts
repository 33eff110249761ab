// Pure: the sim's view of a pod's containers -> the Pod's status, as a kubelet reports it.
import type { V1ContainerState, V1ContainerStatus, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type ContainerRunState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: Date }
  | { kind: 'terminated'; exitCode: number; signal?: string; reason: string; startedAt: Date; finishedAt: Date };

export interface ContainerView {
  name: string;
  image: string;
  state: ContainerRunState;
  lastTerminated?: Extract<ContainerRunState, { kind: 'terminated' }>;
  restartCount: number;
  ready: boolean;
  /** Whether the container will be started again (restartPolicy allows it). */
  willRestart: boolean;
  pid?: number;
}

export interface PodView {
  podIP: string;
  hostIP: string;
  startTime: Date;
  /** undefined while init containers run; 'failed' when one failed for good. */
  init: 'running' | 'done' | 'failed';
  initContainers: ContainerView[];
  containers: ContainerView[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export function podPhase(view: PodView): PodPhase {
  if (view.init === 'failed') return 'Failed';
  if (view.init === 'running') return 'Pending';
  const finished = view.containers.every((c) => c.state.kind === 'terminated' && !c.willRestart);
  if (finished) {
    return view.containers.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  const started = view.containers.some((c) => c.state.kind !== 'waiting' || c.restartCount > 0 || c.lastTerminated);
  return started ? 'Running' : 'Pending';
}

/**
 * Builds the status. previous conditions keep their lastTransitionTime unless their status
 * flips, so watchers see a transition exactly once.
 */
export function buildPodStatus(view: PodView, previous: V1PodCondition[] | undefined, now: Date): V1PodStatus {
  const phase = podPhase(view);
  const containersReady = phase === 'Running' && view.containers.every((c) => c.ready);
  const wanted: Array<[string, boolean, string?]> = [
    ['PodScheduled', true],
    ['PodReadyToStartContainers', true],
    ['Initialized', view.init === 'done', view.init === 'done' ? undefined : 'ContainersNotInitialized'],
    ['ContainersReady', containersReady, containersReady ? undefined : 'ContainersNotReady'],
    ['Ready', containersReady, containersReady ? undefined : 'ContainersNotReady'],
  ];
  const conditions: V1PodCondition[] = wanted.map(([type, ok, reason]) => {
    const status = ok ? 'True' : 'False';
    const before = previous?.find((c) => c.type === type);
    const condition: V1PodCondition = {
      type,
      status,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
    };
    if (reason) condition.reason = reason;
    if (phase === 'Succeeded' && !ok) condition.reason = 'PodCompleted';
    return condition;
  });
  return {
    phase,
    conditions,
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    podIP: view.podIP,
    podIPs: [{ ip: view.podIP }],
    startTime: view.startTime,
    initContainerStatuses: view.initContainers.map(containerStatus),
    containerStatuses: view.containers.map(containerStatus),
  };
}

function containerStatus(c: ContainerView): V1ContainerStatus {
  const status: V1ContainerStatus = {
    name: c.name,
    image: c.image,
    imageID: `sim://${c.image}`,
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.state.kind === 'running',
    state: stateOf(c.state),
  };
  if (c.pid !== undefined) status.containerID = `sim://${c.pid}`;
  if (c.lastTerminated) status.lastState = stateOf(c.lastTerminated);
  return status;
}

function stateOf(state: ContainerRunState): V1ContainerState {
  switch (state.kind) {
    case 'waiting':
      return { waiting: state.message ? { reason: state.reason, message: state.message } : { reason: state.reason } };
    case 'running':
      return { running: { startedAt: state.startedAt } };
    case 'terminated': {
      const terminated: NonNullable<V1ContainerState['terminated']> = {
        exitCode: state.exitCode,
        reason: state.reason,
        startedAt: state.startedAt,
        finishedAt: state.finishedAt,
      };
      if (state.signal) terminated.message = `killed by ${state.signal}`;
      return { terminated };
    }
  }
}

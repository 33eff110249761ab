// The Node half of a kubelet: registers the Node as Ready and keeps it so (status heartbeat
// plus a kube-node-lease Lease), so the node lifecycle controller never taints or evicts it.
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import type { SimApi } from './simApi.js';

export interface NodeAgentOptions {
  nodeName: string;
  hostIP: string;
  podCidr?: string;
  heartbeatMs?: number;
  onError?: (err: unknown) => void;
}

const LEASE_SECONDS = 40;

function conditions(now: Date): V1NodeCondition[] {
  const ok = (type: string, reason: string): V1NodeCondition => ({
    type,
    status: 'False',
    reason,
    message: 'simulated',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return [
    ok('MemoryPressure', 'KubeletHasSufficientMemory'),
    ok('DiskPressure', 'KubeletHasNoDiskPressure'),
    ok('PIDPressure', 'KubeletHasSufficientPID'),
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'mediafleet sim kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
  ];
}

/** Labels of the sim's Node; the sim schedules pods whose nodeSelector they satisfy. */
export function nodeLabels(nodeName: string): Record<string, string> {
  return { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'mediafleet.io/sim': 'true' };
}

export function nodeObject(opts: NodeAgentOptions, now: Date): V1Node {
  const capacity = { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: opts.nodeName,
      labels: nodeLabels(opts.nodeName),
    },
    spec: opts.podCidr ? { podCIDR: opts.podCidr, podCIDRs: [opts.podCidr] } : {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: conditions(now),
      addresses: [
        { type: 'InternalIP', address: opts.hostIP },
        { type: 'Hostname', address: opts.nodeName },
      ],
      nodeInfo: {
        machineID: opts.nodeName,
        systemUUID: opts.nodeName,
        bootID: String(process.pid),
        kernelVersion: 'sim',
        osImage: 'mediafleet sim kubelet',
        containerRuntimeVersion: 'sim://1',
        kubeletVersion: 'v1.34.4',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export class NodeAgent {
  private timer?: NodeJS.Timeout;
  private transitionTime = new Date();

  constructor(
    private readonly api: SimApi,
    private readonly opts: NodeAgentOptions,
  ) {}

  async register(): Promise<void> {
    const now = new Date();
    this.transitionTime = now;
    await this.api.upsertNode(nodeObject(this.opts, now));
    await this.api.renewLease(this.opts.nodeName, LEASE_SECONDS);
    const every = this.opts.heartbeatMs ?? 10_000;
    this.timer = setInterval(() => void this.heartbeat(), every);
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    try {
      const now = new Date();
      const fresh = conditions(now).map((c) => ({ ...c, lastTransitionTime: this.transitionTime }));
      await this.api.patchNodeStatus(this.opts.nodeName, { conditions: fresh });
      await this.api.renewLease(this.opts.nodeName, LEASE_SECONDS);
    } catch (err) {
      // The API server may be down for a while (tests restart it); the next beat retries.
      this.opts.onError?.(err);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

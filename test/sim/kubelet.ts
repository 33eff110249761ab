// A local kubelet (and scheduler) for tests: registers a Node, binds unscheduled Pods to it,
// runs their containers as real processes on loopback pod IPs and reports their status.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { imageMapPath, loadImageMap, type ImageMap } from './imageMap.js';
import { NodeAgent, nodeLabels } from './nodeAgent.js';
import { PodIpAllocator } from './podIps.js';
import { PodRunner } from './podRunner.js';
import { PodWatch } from './podWatch.js';
import { StatusSync } from './statusSync.js';
import { httpStatusOf, SimApi } from './simApi.js';

export interface SimKubeletOptions {
  kubeconfigPath: string;
  nodeName: string;
  /** Where /app/ in container commands points (the repository with dist/). */
  repoRoot: string;
  /** First two octets of pod IPs, default "127.10"; give each sim on one cluster its own. */
  podIpPrefix?: string;
  /** Cap on terminationGracePeriodSeconds, default 5000 ms. */
  maxGraceMs?: number;
  /** Extra environment for every container (e.g. KUBECONFIG for an operator pod). */
  extraEnv?: Record<string, string>;
  /**
   * Image map file (imageMap.ts); default: `SIM_IMAGES` of this process, else the shipped
   * test/sim/images.yaml under repoRoot. Read once, at start; a bad file fails the start.
   */
  imageMapPath?: string;
  /** Keep the work dir (pod logs) after stop(), default false. */
  keepDir?: boolean;
  /** Diagnostics (watch errors, failed API calls); default: silent. */
  log?: (line: string) => void;
}

export interface SimKubelet {
  nodeName: string;
  dir: string;
  /** Log file of a pod's containers (stdout, stderr and the sim's own notes), by name. */
  logPath(namespace: string, podName: string): string;
  /** The loopback IP of a running pod, if this sim runs it. */
  podIP(namespace: string, podName: string): string | undefined;
  /** Pids of every container process running now; of one pod's when it is named. */
  pids(namespace?: string, podName?: string): number[];
  /** The image map in force (its `source` is the file it was read from). */
  imageMap: ImageMap;
  /** Kills every process it started (SIGTERM, then SIGKILL) and stops watching. Idempotent. */
  stop(): Promise<void>;
}

const HOST_IP = '127.0.0.1';

interface Running {
  runner: PodRunner;
  status: StatusSync;
  namespace: string;
  name: string;
}

export async function startSimKubelet(opts: SimKubeletOptions): Promise<SimKubelet> {
  // First: a broken map must fail the start before anything is registered or created.
  const imageMap = loadImageMap(imageMapPath({ repoRoot: opts.repoRoot, imageMapPath: opts.imageMapPath }), opts.repoRoot);
  const api = new SimApi(opts.kubeconfigPath);
  const log = opts.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), `mediafleet-sim-${opts.nodeName}-`));
  await mkdir(join(dir, 'logs'));
  const ips = new PodIpAllocator(opts.podIpPrefix);
  const apiServer = apiServerAddress(api.kubeConfig.getCurrentCluster()?.server);
  const running = new Map<string, Running>();
  const binding = new Set<string>();
  const deleting = new Set<string>();
  let stopped = false;

  const logPath = (namespace: string, name: string) => join(dir, 'logs', `${namespace}_${name}.log`);
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

  const agent = new NodeAgent(api, { nodeName: opts.nodeName, hostIP: HOST_IP, onError: (err) => log(`heartbeat: ${describe(err)}`) });
  try {
    await agent.register();
  } catch (err) {
    agent.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const bind = (pod: V1Pod, uid: string) => {
    const { namespace = 'default', name = '' } = pod.metadata ?? {};
    binding.add(uid);
    api
      .bindPod(namespace, name, opts.nodeName)
      .catch((err: unknown) => {
        // 409: another sim bound it first; 404: deleted meanwhile. Other errors: the next relist retries.
        if (httpStatusOf(err) !== 409 && httpStatusOf(err) !== 404) log(`bind ${namespace}/${name}: ${describe(err)}`);
      })
      .finally(() => binding.delete(uid));
  };

  const finish = async (uid: string, graceSeconds: number | undefined): Promise<void> => {
    const entry = running.get(uid);
    if (!entry) return;
    entry.status.stop();
    await entry.runner.terminate(graceSeconds);
    ips.release(entry.runner.view.podIP);
    running.delete(uid);
  };

  const removeFromApi = (pod: V1Pod, uid: string) => {
    if (deleting.has(uid)) return;
    deleting.add(uid);
    const { namespace = 'default', name = '' } = pod.metadata ?? {};
    void (async () => {
      try {
        await finish(uid, pod.metadata?.deletionGracePeriodSeconds);
        if (!stopped) await api.deletePodNow(namespace, name, uid);
      } catch (err) {
        if (httpStatusOf(err) !== 404 && httpStatusOf(err) !== 409) log(`delete ${namespace}/${name}: ${describe(err)}`);
      } finally {
        // Forget it, so a failed delete is retried when the pod shows up again (next relist).
        deleting.delete(uid);
      }
    })();
  };

  const run = (pod: V1Pod, uid: string) => {
    const { namespace = 'default', name = '' } = pod.metadata ?? {};
    const podIP = ips.allocate();
    let status: StatusSync | undefined;
    const runner = new PodRunner({
      pod,
      podIP,
      hostIP: HOST_IP,
      repoRoot: opts.repoRoot,
      nodeExecPath: process.execPath,
      podDir: join(dir, 'pods', uid),
      logPath: logPath(namespace, name),
      api,
      baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'pods', uid), HOSTNAME: name, ...opts.extraEnv },
      maxGraceMs: opts.maxGraceMs ?? 5000,
      imageMap,
      ...(apiServer ? { apiServer } : {}),
      onChange: () => status?.markDirty(),
    });
    status = new StatusSync(api, namespace, name, uid, runner.view, (err) => log(`status ${namespace}/${name}: ${describe(err)}`));
    running.set(uid, { runner, status, namespace, name });
    status.markDirty();
    runner.start();
  };

  const onPod = (pod: V1Pod, deleted: boolean) => {
    if (stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const nodeName = pod.spec?.nodeName;
    if (deleted) {
      void finish(uid, 0);
      return;
    }
    if (!nodeName) {
      if (pod.metadata?.deletionTimestamp || binding.has(uid) || !schedulable(pod, opts.nodeName)) return;
      bind(pod, uid);
      return;
    }
    if (nodeName !== opts.nodeName) return;
    if (pod.metadata?.deletionTimestamp) {
      removeFromApi(pod, uid);
      return;
    }
    const phase = pod.status?.phase;
    if (running.has(uid) || phase === 'Succeeded' || phase === 'Failed') return;
    run(pod, uid);
  };

  // A pod deleted while the watch was down comes back from the relist as a delete.
  const watch = new PodWatch(api, { onPod, onError: (err) => log(`pod watch: ${describe(err)}`) });
  watch.start();

  return {
    nodeName: opts.nodeName,
    dir,
    logPath,
    podIP: (namespace, name) =>
      [...running.values()].find((r) => r.namespace === namespace && r.name === name)?.runner.view.podIP,
    pids: (namespace, podName) =>
      [...running.values()].filter((r) => podName === undefined || (r.namespace === namespace && r.name === podName)).flatMap((r) => r.runner.pids()),
    imageMap,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      void watch.stop();
      agent.stop();
      await Promise.all([...running.keys()].map((uid) => finish(uid, 1)));
      if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The scheduler's part: default scheduler, nodeSelector matching this node's labels. */
function schedulable(pod: V1Pod, nodeName: string): boolean {
  const scheduler = pod.spec?.schedulerName;
  if (scheduler && scheduler !== 'default-scheduler') return false;
  const labels = nodeLabels(nodeName);
  return Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The kubeconfig's https server as host and port, what the kubelet gives pods as env. */
function apiServerAddress(server: string | undefined): { host: string; port: number } | undefined {
  if (!server) return undefined;
  const url = new URL(server);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

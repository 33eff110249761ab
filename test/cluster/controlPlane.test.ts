// Integration: the real control plane (etcd, kube-apiserver, kube-controller-manager) with the
// sim kubelet running Deployments' pods as local processes on loopback IPs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startSimKubelet, type SimKubelet } from '../sim/kubelet.js';
import { startControlPlane, type ControlPlane } from './controlPlane.js';
import { kubectl, kubectlOk, waitUntil } from './kubectl.js';
import { isPidAlive } from './processGroup.js';

const repoRoot = new URL('../..', import.meta.url).pathname;

interface PodJson {
  metadata: { name: string; ownerReferences?: Array<{ kind: string }> };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ ready: boolean; restartCount: number; image: string; state: { running?: object }; lastState?: { terminated?: { exitCode: number } } }>;
  };
}

const sleeperDeployment = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: 'main', image: 'example.org/sleeper:1', command: ['sleep', '3600'] }],
      },
    },
  },
});

// A node HTTP server shipped in a ConfigMap, shaped like the media-node contract: `node` +
// a file under a configMap mount, env from fieldRef/configMapKeyRef, an httpGet readiness probe.
const serverScript = `
const http = require('node:http');
const fs = require('node:fs');
const file = process.argv.find((a) => a.startsWith('--file='))?.slice(7);
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({
    pod: process.env.POD_NAME, podIP: process.env.POD_IP, greeting: process.env.GREETING,
    image: process.env.MEDIAFLEET_IMAGE, httpListen: process.env.MEDIA_NODE_HTTP_LISTEN,
    file: fs.readFileSync(file, 'utf8'),
  }));
}).listen(8080, process.env.POD_IP);
process.on('SIGTERM', () => process.exit(0));
`;

const serverManifests = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-files', namespace: 'default' }, data: { 'server.cjs': serverScript, 'greeting.txt': 'hello from a configMap volume', greeting: 'hi-from-env' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          volumes: [{ name: 'files', configMap: { name: 'web-files' } }],
          containers: [
            {
              name: 'web',
              image: 'example.org/web:2',
              command: ['node', '/etc/web/server.cjs'],
              args: ['--file=/etc/web/greeting.txt'],
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-files', key: 'greeting' } } },
              ],
              volumeMounts: [{ name: 'files', mountPath: '/etc/web' }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  },
];

const barePod = (name: string, restartPolicy: string, script: string, grace = 2) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { test: name } },
  spec: { restartPolicy, terminationGracePeriodSeconds: grace, containers: [{ name: 'main', image: 'example.org/sh:1', command: ['sh', '-c', script] }] },
});

describe('control plane with the sim kubelet', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let sim: SimKubelet;
  const seenPids = new Set<number>();
  const remember = () => {
    for (const pid of [...cp.pids(), ...sim.pids()]) seenPids.add(pid);
  };
  const pods = async (selector: string): Promise<PodJson[]> =>
    (JSON.parse(await kubectlOk(cp.kubeconfigPath, ['get', 'pods', '-n', 'default', '-l', selector, '-o', 'json'])) as { items: PodJson[] }).items;
  const readyPods = async (selector: string, count: number) => {
    const items = await pods(selector);
    const ready = items.filter((p) => p.status.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === count && items.length === count ? ready : undefined;
  };

  before(async () => {
    const startedAt = Date.now();
    cp = await startControlPlane();
    process.stderr.write(`# control plane ready in ${Date.now() - startedAt} ms\n`);
    sim = await startSimKubelet({ kubeconfigPath: cp.kubeconfigPath, nodeName: 'sim-1', repoRoot, podIpPrefix: '127.20' });
  });

  after(async () => {
    await sim?.stop();
    await cp?.stop();
  });

  it('kubectl get ns lists the system namespaces', async () => {
    const out = await kubectlOk(cp.kubeconfigPath, ['get', 'ns', '-o', 'name']);
    assert.match(out, /namespace\/default/);
    assert.match(out, /namespace\/kube-system/);
  });

  it('the sim registers a Ready node', async () => {
    const node = JSON.parse(await kubectlOk(cp.kubeconfigPath, ['get', 'node', 'sim-1', '-o', 'json'])) as PodJson;
    assert.equal(node.status.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('kubectl apply Deployment (sleep) -> pods Running and Ready on distinct 127.x IPs', async () => {
    await kubectlOk(cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(sleeperDeployment('sleeper', 2)));
    const ready = await waitUntil('2 sleeper pods ready', () => readyPods('app=sleeper', 2), 30_000);
    remember();
    const ips = ready.map((p) => p.status.podIP ?? '');
    for (const ip of ips) assert.match(ip, /^127\.20\.\d+\.\d+$/);
    assert.equal(new Set(ips).size, 2);
    for (const pod of ready) {
      assert.equal(pod.spec.nodeName, 'sim-1');
      assert.equal(pod.status.hostIP, '127.0.0.1');
      assert.equal(pod.status.containerStatuses?.[0]?.image, 'example.org/sleeper:1');
      assert.ok(pod.status.containerStatuses?.[0]?.state.running);
    }
    assert.equal(sim.pids().length, 2);
  });

  it('a node server from a configMap volume serves on its pod IP once the readiness probe passes', async () => {
    for (const manifest of serverManifests) await kubectlOk(cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(manifest));
    const [pod] = await waitUntil('web pod ready', () => readyPods('app=web', 1), 30_000);
    remember();
    assert.ok(pod);
    const podIP = pod.status.podIP ?? '';
    const res = await fetch(`http://${podIP}:8080/`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(body, {
      pod: pod.metadata.name,
      podIP,
      greeting: 'hi-from-env',
      image: 'example.org/web:2',
      httpListen: `${podIP}:8080`,
      file: 'hello from a configMap volume',
    });
    assert.equal(sim.podIP('default', pod.metadata.name), podIP);
    assert.match(await readFile(sim.logPath('default', pod.metadata.name), 'utf8'), /container web start #1/);
  });

  it('deleting the Deployment -> the garbage collector removes ReplicaSet and pods, processes end', async () => {
    const before = sim.pids();
    await kubectlOk(cp.kubeconfigPath, ['delete', 'deployment', 'sleeper', '--wait=false']);
    await waitUntil(
      'sleeper ReplicaSet and pods gone',
      async () => {
        const rs = await kubectlOk(cp.kubeconfigPath, ['get', 'rs', '-n', 'default', '-l', 'app=sleeper', '-o', 'name']);
        const left = await pods('app=sleeper');
        return rs.trim() === '' && left.length === 0;
      },
      40_000,
    );
    const webPids = new Set(sim.pids());
    const gone = before.filter((pid) => !webPids.has(pid));
    assert.equal(gone.length, 2);
    for (const pid of gone) assert.equal(isPidAlive(pid), false, `pid ${pid} still alive`);
  });

  it('a container exiting 1 under restartPolicy Always -> restarted with backoff, restartCount rises', async () => {
    await kubectlOk(cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(barePod('crasher', 'Always', 'exit 1')));
    let lastSeen: unknown;
    const status = await waitUntil(
      'crasher restarted twice',
      async () => {
        const [pod] = await pods('test=crasher');
        lastSeen = pod?.status ?? '(no pod)';
        const c = pod?.status.containerStatuses?.[0];
        return c && c.restartCount >= 2 ? { phase: pod?.status.phase, c } : undefined;
      },
      20_000,
    ).catch(async (error: Error) => {
      // Seen once in a full run under load: say what the pod and the sim looked like.
      const simLog = await readFile(sim.logPath('default', 'crasher'), 'utf8').catch(() => '(no sim log)');
      throw new Error(`${error.message}\nlast pod status: ${JSON.stringify(lastSeen)}\nsim log:\n${simLog.slice(-2000)}`);
    });
    assert.equal(status.phase, 'Running');
    assert.equal(status.c.ready, false);
    assert.equal(status.c.lastState?.terminated?.exitCode, 1);
  });

  it('a pod with restartPolicy Never whose container exits 0 -> Succeeded', async () => {
    await kubectlOk(cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(barePod('oneshot', 'Never', 'exit 0')));
    await waitUntil('oneshot Succeeded', async () => (await pods('test=oneshot'))[0]?.status.phase === 'Succeeded', 20_000);
  });

  it('deleting a pod whose process ignores SIGTERM -> SIGKILL after the grace period, then the pod is gone', async () => {
    await kubectlOk(cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(barePod('stubborn', 'Always', 'trap "" TERM; sleep 3600', 1)));
    await waitUntil('stubborn ready', () => readyPods('test=stubborn', 1), 20_000);
    const pids = sim.pids();
    const startedAt = Date.now();
    await kubectlOk(cp.kubeconfigPath, ['delete', 'pod', 'stubborn', '--wait=true', '--timeout=20s']);
    const took = Date.now() - startedAt;
    assert.ok(took >= 900 && took < 10_000, `delete took ${took} ms; grace was 1 s`);
    await waitUntil('stubborn process gone', async () => sim.pids().length < pids.length, 5000);
    await kubectlOk(cp.kubeconfigPath, ['delete', 'pod', 'crasher', 'oneshot', '--wait=true', '--timeout=20s']);
  });

  it('stopApiServer -> API unreachable; startApiServer -> API answers and the sim runs new pods', async () => {
    await cp.stopApiServer();
    const down = await kubectl(cp.kubeconfigPath, ['get', 'ns', '--request-timeout=3s']);
    assert.notEqual(down.code, 0);
    await cp.startApiServer();
    remember();
    await kubectlOk(cp.kubeconfigPath, ['get', 'ns']);
    // The sim's watch must have recovered: a Deployment made after the restart gets running pods.
    await kubectlOk(cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(sleeperDeployment('after-restart', 1)));
    await waitUntil('pod of a Deployment created after the restart ready', () => readyPods('app=after-restart', 1), 40_000);
    remember();
  });

  it('stop() leaves no process of ours behind', async () => {
    remember();
    assert.ok(seenPids.size >= 6, `expected control plane and pod pids, saw ${[...seenPids].join(',')}`);
    await sim.stop();
    await cp.stop();
    await cp.stop(); // idempotent
    const alive = [...seenPids].filter(isPidAlive);
    assert.deepEqual(alive, []);
  });
});

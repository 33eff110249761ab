// A real, throwaway Kubernetes control plane for tests: etcd, kube-apiserver and
// kube-controller-manager as local processes on free 127.0.0.1 ports, in a temp dir.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureClusterBinaries, type ClusterBinaries } from './binaries.js';
import { makeCerts, type ControlPlaneCerts } from './certs.js';
import { freePorts } from './freePort.js';
import { spawnGroup, tailOfFile, type GroupProcess } from './processGroup.js';
import { poll } from '../support/poll.js';

export { ensureClusterBinaries, type ClusterBinaries } from './binaries.js';

export interface ControlPlaneOptions {
  /** Bound on each component's start, default 90 s. */
  startTimeoutMs?: number;
  /** Keep the temp dir after stop() (for debugging), default false. */
  keepDir?: boolean;
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=...']. */
  apiServerArgs?: string[];
}

export interface ControlPlane {
  /** Admin kubeconfig (group system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin bearer token, also in the kubeconfig. */
  adminToken: string;
  caCertPath: string;
  dir: string;
  binDir: string;
  binaries: ClusterBinaries;
  /** Log files of etcd, kube-apiserver and kube-controller-manager. */
  logs: { etcd: string; apiServer: string; controllerManager: string };
  /** Pids of the process groups currently running (for leak checks). */
  pids(): number[];
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** Kills every process this control plane started and removes its dir. Idempotent. */
  stop(): Promise<void>;
}

const SERVICE_CIDR = '10.96.0.0/16';
// kube-apiserver stops listening at once on SIGTERM but lingers for seconds in shutdown
// hooks; a throwaway server need not finish them.
const API_SERVER_GRACE_MS = 2000;
const FIRST_SERVICE_IP = '10.96.0.1';

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const timeoutMs = opts.startTimeoutMs ?? 90_000;
  const binaries = await ensureClusterBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'mediafleet-cp-'));
  const groups: { etcd?: GroupProcess; apiServer?: GroupProcess; controllerManager?: GroupProcess } = {};
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Dependents first, so the controller manager does not log a storm of connection errors.
    await groups.controllerManager?.stop();
    await groups.apiServer?.stop(API_SERVER_GRACE_MS);
    await groups.etcd?.stop();
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3);
    const server = `https://127.0.0.1:${apiPort}`;
    const certs = await makeCerts(dir, FIRST_SERVICE_IP);
    const adminToken = randomBytes(24).toString('hex');
    const controllerManagerToken = randomBytes(24).toString('hex');
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(
      tokenFile,
      [
        `${adminToken},mediafleet-admin,mediafleet-admin,"system:masters"`,
        // The user name the bootstrap RBAC policy grants the controller manager's permissions to.
        `${controllerManagerToken},system:kube-controller-manager,system:kube-controller-manager,`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const caData = (await readFile(certs.caCert)).toString('base64');
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, kubeconfig(server, caData, 'mediafleet-admin', adminToken), { mode: 0o600 });
    const controllerManagerKubeconfig = join(dir, 'controller-manager.kubeconfig');
    await writeFile(controllerManagerKubeconfig, kubeconfig(server, caData, 'kube-controller-manager', controllerManagerToken), {
      mode: 0o600,
    });

    const logs = {
      etcd: join(dir, 'etcd.log'),
      apiServer: join(dir, 'kube-apiserver.log'),
      controllerManager: join(dir, 'kube-controller-manager.log'),
    };

    groups.etcd = spawnGroup(binaries.etcd, etcdArgs(dir, etcdClientPort, etcdPeerPort), logs.etcd);
    await untilReady('etcd', groups.etcd, timeoutMs, () => httpOk(`http://127.0.0.1:${etcdClientPort}/health`));

    const apiArgs = apiServerArgs(dir, certs, tokenFile, apiPort, etcdClientPort).concat(opts.apiServerArgs ?? []);
    const apiReady = () => httpsOk(`${server}/readyz`, certs.caCert, adminToken);
    const startApiServer = async (): Promise<void> => {
      if (stopped) throw new Error('control plane already stopped');
      if (groups.apiServer && !groups.apiServer.hasExited()) return;
      groups.apiServer = spawnGroup(binaries.kubeApiserver, apiArgs, logs.apiServer);
      await untilReady('kube-apiserver', groups.apiServer, timeoutMs, apiReady);
    };
    await startApiServer();

    groups.controllerManager = spawnGroup(
      binaries.kubeControllerManager,
      controllerManagerArgs(certs, controllerManagerKubeconfig),
      logs.controllerManager,
    );
    // The controller manager serves nothing here (--secure-port=0); "ready" means it made the
    // default ServiceAccount, which only its serviceaccount controller does.
    await untilReady('kube-controller-manager', groups.controllerManager, timeoutMs, () =>
      httpsOk(`${server}/api/v1/namespaces/default/serviceaccounts/default`, certs.caCert, adminToken),
    );

    return {
      kubeconfigPath,
      server,
      adminToken,
      caCertPath: certs.caCert,
      dir,
      binDir: binaries.binDir,
      binaries,
      logs,
      pids: () =>
        [groups.etcd, groups.apiServer, groups.controllerManager]
          .filter((g): g is GroupProcess => g !== undefined && !g.hasExited())
          .map((g) => g.pid),
      stopApiServer: async () => {
        await groups.apiServer?.stop(API_SERVER_GRACE_MS);
      },
      startApiServer,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function kubeconfig(server: string, caData: string, user: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'mediafleet-test', cluster: { server, 'certificate-authority-data': caData } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'mediafleet-test', context: { cluster: 'mediafleet-test', user, namespace: 'default' } }],
    'current-context': 'mediafleet-test',
  });
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=mediafleet-test',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=mediafleet-test=${peer}`,
    // Throwaway data: durability buys nothing and fsync dominates small-object latency.
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=1073741824',
    '--log-level=warn',
  ];
}

function apiServerArgs(dir: string, certs: ControlPlaneCerts, tokenFile: string, port: number, etcdPort: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // Endpoints may not hold loopback addresses, so the "kubernetes" Service gets none.
    '--endpoint-reconciler-type=none',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.caCert}`,
    `--token-auth-file=${tokenFile}`,
    '--authorization-mode=Node,RBAC',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

function controllerManagerArgs(certs: ControlPlaneCerts, kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    '--controllers=*',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    `--cluster-signing-cert-file=${certs.caCert}`,
    `--cluster-signing-key-file=${certs.caKey}`,
    // One instance: no election, so an API server restart cannot make it lose a lease and exit.
    '--leader-elect=false',
    '--secure-port=0',
    '--allocate-node-cidrs=false',
    '--v=1',
  ];
}

/** Polls `probe` until it says ready; fails at once, with the log tail, when `proc` exits first. */
async function untilReady(name: string, proc: GroupProcess, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  await poll(probe, Boolean, timeoutMs, `${name} to be ready`, {
    intervalMs: 200,
    giveUp: async () => (proc.hasExited() ? `it exited with ${await proc.exited}; log tail:\n${tailOfFile(proc.logPath)}` : undefined),
    onTimeout: () => `${name} log tail:\n${tailOfFile(proc.logPath)}`,
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

function httpsOk(url: string, caPath: string, token: string): Promise<boolean> {
  return readFile(caPath).then(
    (ca) =>
      new Promise<boolean>((resolve) => {
        const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.once('timeout', () => req.destroy());
        req.once('error', () => resolve(false));
        req.end();
      }),
    () => false,
  );
}

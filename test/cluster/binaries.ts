// Builds (once, cached outside the repository) and locates the control-plane binaries.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ClusterBinaries {
  binDir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  helm: string;
}

const buildScript = join(dirname(fileURLToPath(import.meta.url)), 'build.sh');

let pending: Promise<ClusterBinaries> | undefined;

/**
 * Runs build.sh (a no-op in milliseconds once cached; a first build takes minutes) with its
 * progress streamed to stderr, and returns the binaries' paths. Concurrent callers share one run.
 */
export function ensureClusterBinaries(): Promise<ClusterBinaries> {
  pending ??= runBuild().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function runBuild(): Promise<ClusterBinaries> {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${buildScript} failed (${code ?? signal}); stdout:\n${out.slice(-2000)}`));
    });
  });
  const binDir = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  const bins: ClusterBinaries = {
    binDir,
    etcd: join(binDir, 'etcd'),
    kubeApiserver: join(binDir, 'kube-apiserver'),
    kubeControllerManager: join(binDir, 'kube-controller-manager'),
    kubectl: join(binDir, 'kubectl'),
    helm: join(binDir, 'helm'),
  };
  for (const path of [bins.etcd, bins.kubeApiserver, bins.kubeControllerManager, bins.kubectl, bins.helm]) {
    await access(path, constants.X_OK).catch(() => {
      throw new Error(`build.sh reported ${binDir} but ${path} is not executable`);
    });
  }
  return bins;
}

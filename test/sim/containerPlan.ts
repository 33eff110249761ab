// Pure: how one container of a Pod becomes a local process. Maps the image's paths onto this
// machine (/app -> the repository, `node` -> this Node binary, volume mount paths -> the
// directories the sim materialised), resolves env as the kubelet would, merges the image's
// env from the image map, and adds the loopback network settings the media-node honours.
import type { V1Container, V1Pod, V1ResourceFieldSelector } from '@kubernetes/client-node';
import { memoryLimitBytes, parseMemoryBytes } from './memoryLimit.js';

export interface PlanContext {
  pod: V1Pod;
  podIP: string;
  hostIP: string;
  repoRoot: string;
  /** Absolute path of the Node binary that replaces `node` in commands. */
  nodeExecPath: string;
  /** volume name -> directory on this machine holding its files. */
  volumeDirs: ReadonlyMap<string, string>;
  /** Data of ConfigMaps and Secrets (decoded) the pod refers to, by name. */
  configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
  secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Environment every container starts from (PATH and the like). */
  baseEnv: Readonly<Record<string, string>>;
  /** The image's env from the image map (imageMap.ts), if its image is listed. */
  imageEnv?: Readonly<Record<string, string>>;
  /**
   * Where the API server listens: the kubelet's `KUBERNETES_SERVICE_HOST/PORT` env, so an
   * in-cluster client (client-node's loadFromCluster) finds it. The sim has no ClusterIPs, so
   * this is the API server's own address.
   */
  apiServer?: { host: string; port: number };
}

export interface ContainerPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** `resources.limits.memory` in bytes; the sim OOM-kills the process group above it. */
  memoryLimitBytes?: number;
  /**
   * Volumes a program opens at a fixed path instead of one it is told (the service-account
   * token at /var/run/secrets/kubernetes.io/serviceaccount): placed there by bind mounts in
   * a private mount namespace (see inMountNamespace).
   */
  fixedMounts: FixedMount[];
}

export interface FixedMount {
  /** Where the container expects it, e.g. /var/run/secrets/kubernetes.io/serviceaccount. */
  path: string;
  /** The directory the sim materialised. */
  dir: string;
  readOnly: boolean;
}

/**
 * Mount paths under these roots are read by libraries at fixed paths, so rewriting the
 * command line cannot reach them; everything else is rewritten (pathRewriter).
 */
export const FIXED_MOUNT_ROOTS = ['/var/run/secrets', '/run/secrets'] as const;

/** A container that cannot start; reason mirrors the kubelet's waiting reasons. */
export class ContainerConfigError extends Error {
  constructor(
    readonly reason: 'CreateContainerConfigError' | 'CreateContainerError',
    message: string,
  ) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

const NODE_COMMANDS = new Set(['node', 'nodejs', '/usr/local/bin/node', '/usr/bin/node']);
const DEFAULT_HTTP_PORT = 8117;
const DEFAULT_METRICS_PORT = 9998;
const DEFAULT_PPROF_PORT = 9999;
const NODE_MEMORY_BYTES = 16 * 1024 ** 3;

export function planContainer(container: V1Container, ctx: PlanContext): ContainerPlan {
  const rewrite = pathRewriter(container, ctx);
  const specEnv = resolveEnv(container, ctx);
  // As the kubelet does: the API server's service env first, so the pod spec can override it.
  const env: Record<string, string> = { ...ctx.baseEnv, ...(ctx.apiServer ? apiServerEnv(ctx.apiServer) : {}) };
  for (const [name, value] of Object.entries(specEnv)) env[name] = rewrite(value);
  // The image's behaviour wins over the pod spec (that is what the image map is for), but not
  // over the network settings below, without which nobody could reach the pod.
  for (const [name, value] of Object.entries(ctx.imageEnv ?? {})) env[name] = value.replaceAll('$(POD_IP)', ctx.podIP);

  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => rewrite(expandVars(a, specEnv)));
  if (argv.length === 0) {
    throw new ContainerConfigError('CreateContainerError', `container ${container.name} has neither command nor args; the sim has no image entrypoint`);
  }
  const [first, ...args] = argv as [string, ...string[]];
  const command = NODE_COMMANDS.has(first) ? ctx.nodeExecPath : first;

  // Listen where the pod spec says the ports are (named ports), so scrapers find them.
  const port = (name: string, fallback: number) => container.ports?.find((p) => p.name === name)?.containerPort ?? fallback;
  Object.assign(env, {
    MEDIAFLEET_IMAGE: container.image ?? '',
    MEDIA_NODE_HTTP_LISTEN: `${ctx.podIP}:${port('http', DEFAULT_HTTP_PORT)}`,
    MEDIA_NODE_METRICS_LISTEN: `${ctx.podIP}:${port('metrics', DEFAULT_METRICS_PORT)}`,
    MEDIA_NODE_PPROF_LISTEN: `${ctx.podIP}:${port('pprof', DEFAULT_PPROF_PORT)}`,
    MEDIA_NODE_UDP_HOST: ctx.podIP,
    MEDIA_NODE_ADDITIONAL_HOSTS: ctx.podIP,
    MEDIA_NODE_IPS_FROM_INTERFACES: 'false',
  });
  const cwd = container.workingDir ? rewrite(container.workingDir) : ctx.repoRoot;
  const limit = containerMemoryLimit(container);
  const fixedMounts = fixedMountsOf(container, ctx.volumeDirs);
  return { command, args, env, cwd, fixedMounts, ...(limit === undefined ? {} : { memoryLimitBytes: limit }) };
}

function apiServerEnv({ host, port }: { host: string; port: number }): Record<string, string> {
  const address = `tcp://${host}:${port}`;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: address,
    [`KUBERNETES_PORT_${port}_TCP`]: address,
  };
}

function fixedMountsOf(container: V1Container, volumeDirs: ReadonlyMap<string, string>): FixedMount[] {
  const mounts: FixedMount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const path = trimSlash(mount.mountPath);
    const dir = volumeDirs.get(mount.name);
    if (dir === undefined || !FIXED_MOUNT_ROOTS.some((root) => path === root || path.startsWith(`${root}/`))) continue;
    mounts.push({ path, dir: mount.subPath ? `${dir}/${mount.subPath}` : dir, readOnly: mount.readOnly === true });
  }
  return mounts;
}

/**
 * The command that runs `plan` with its fixed mounts in place: `unshare --mount` (a private
 * mount namespace: nothing is visible outside the container's processes), a tmpfs over each
 * fixed root that is used (so the host's own /run/secrets, if any, stays hidden and untouched),
 * then a bind mount per volume, read-only where the pod says so. Needs root (CAP_SYS_ADMIN);
 * the caller checks. The mount roots must exist on the host as (empty) directories.
 */
export function inMountNamespace(plan: Pick<ContainerPlan, 'command' | 'args' | 'fixedMounts'>): { command: string; args: string[]; roots: string[] } {
  if (plan.fixedMounts.length === 0) return { command: plan.command, args: plan.args, roots: [] };
  const roots = FIXED_MOUNT_ROOTS.filter((root) => plan.fixedMounts.some((m) => m.path === root || m.path.startsWith(`${root}/`)));
  const lines = ['set -e'];
  for (const root of roots) lines.push(`mount -t tmpfs -o mode=0755,size=4m mediafleet-sim ${shellQuote(root)}`);
  for (const mount of plan.fixedMounts) {
    lines.push(`mkdir -p ${shellQuote(mount.path)}`, `mount --bind ${shellQuote(mount.dir)} ${shellQuote(mount.path)}`);
    if (mount.readOnly) lines.push(`mount -o remount,bind,ro ${shellQuote(mount.path)}`);
  }
  lines.push('exec "$@"');
  return { command: 'unshare', args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', lines.join('\n'), 'sh', plan.command, ...plan.args], roots };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function containerMemoryLimit(container: V1Container): number | undefined {
  try {
    return memoryLimitBytes(container);
  } catch (err) {
    // The API server validates quantities, so this is a hand-made pod object in a test.
    throw new ContainerConfigError('CreateContainerConfigError', `container ${container.name}: resources.limits.memory: ${(err as Error).message}`);
  }
}

/** Returns a function mapping in-container paths (also after `--flag=`) to local ones. */
export function pathRewriter(container: V1Container, ctx: Pick<PlanContext, 'repoRoot' | 'volumeDirs'>): (value: string) => string {
  const mounts: Array<[string, string]> = [];
  for (const mount of container.volumeMounts ?? []) {
    const dir = ctx.volumeDirs.get(mount.name);
    if (dir === undefined) continue;
    mounts.push([trimSlash(mount.mountPath), mount.subPath ? `${dir}/${mount.subPath}` : dir]);
  }
  mounts.push(['/app', ctx.repoRoot]);
  // Longest mount path first, so /etc/a/b wins over /etc/a.
  mounts.sort((a, b) => b[0].length - a[0].length);
  const mapOne = (path: string): string | undefined => {
    for (const [from, to] of mounts) {
      if (path === from) return to;
      if (path.startsWith(`${from}/`)) return to + path.slice(from.length);
    }
    return undefined;
  };
  return (value) => {
    const whole = mapOne(value);
    if (whole !== undefined) return whole;
    const eq = value.indexOf('=');
    if (eq > 0) {
      const mapped = mapOne(value.slice(eq + 1));
      if (mapped !== undefined) return `${value.slice(0, eq + 1)}${mapped}`;
    }
    return value;
  };
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Kubernetes env semantics: envFrom first, then env in order, $(VAR) expanding earlier ones. */
export function resolveEnv(container: V1Container, ctx: Omit<PlanContext, 'baseEnv' | 'nodeExecPath' | 'volumeDirs' | 'repoRoot' | 'imageEnv'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const data = ctx.configMaps.get(source.configMapRef.name ?? '');
      if (!data && !source.configMapRef.optional) missing(`configmap "${source.configMapRef.name}"`);
      for (const [k, v] of Object.entries(data ?? {})) env[prefix + k] = v;
    }
    if (source.secretRef) {
      const data = ctx.secrets.get(source.secretRef.name ?? '');
      if (!data && !source.secretRef.optional) missing(`secret "${source.secretRef.name}"`);
      for (const [k, v] of Object.entries(data ?? {})) env[prefix + k] = v;
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = expandVars(variable.value, env);
      continue;
    }
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = '';
    } else if (from.fieldRef) {
      env[variable.name] = fieldValue(from.fieldRef.fieldPath, ctx);
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const value = ctx.configMaps.get(ref.name ?? '')?.[ref.key];
      if (value === undefined && !ref.optional) missing(`key "${ref.key}" of configmap "${ref.name}"`);
      if (value !== undefined) env[variable.name] = value;
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      const value = ctx.secrets.get(ref.name ?? '')?.[ref.key];
      if (value === undefined && !ref.optional) missing(`key "${ref.key}" of secret "${ref.name}"`);
      if (value !== undefined) env[variable.name] = value;
    } else if (from.resourceFieldRef) {
      env[variable.name] = resourceValue(from.resourceFieldRef, container, ctx.pod);
    }
  }
  return env;
}

/**
 * resourceFieldRef: `limits.memory` is the real limit (the sim enforces it, see memoryLimit.ts);
 * without one, and for other memory fields, the kubelet's answer for "unlimited": the node's
 * capacity (the sim claims 16 GiB). Memory is divided by `divisor`, rounded up, as the kubelet
 * does. CPU fields report the 8 CPUs the sim claims.
 */
function resourceValue(ref: V1ResourceFieldSelector, container: V1Container, pod: V1Pod): string {
  if (!ref.resource.includes('memory')) return '8';
  const target = ref.containerName ? (pod.spec?.containers.find((c) => c.name === ref.containerName) ?? container) : container;
  const bytes = (ref.resource === 'limits.memory' ? containerMemoryLimit(target) : undefined) ?? NODE_MEMORY_BYTES;
  let divisor: number;
  try {
    divisor = ref.divisor === undefined ? 1 : parseMemoryBytes(String(ref.divisor));
  } catch (err) {
    throw new ContainerConfigError('CreateContainerConfigError', `resourceFieldRef ${ref.resource}: divisor: ${(err as Error).message}`);
  }
  return String(Math.ceil(bytes / Math.max(1, divisor)));
}

function missing(what: string): never {
  throw new ContainerConfigError('CreateContainerConfigError', `${what} not found`);
}

function fieldValue(fieldPath: string, ctx: Pick<PlanContext, 'pod' | 'podIP' | 'hostIP'>): string {
  const meta = ctx.pod.metadata ?? {};
  const bracket = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (bracket) return (bracket[1] === 'labels' ? meta.labels : meta.annotations)?.[bracket[2] as string] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return ctx.pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return ctx.pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    default:
      throw new ContainerConfigError('CreateContainerConfigError', `unsupported fieldRef ${fieldPath}`);
  }
}

/** $(NAME) -> value when NAME is known; $$ -> $; anything else is left as written. */
export function expandVars(input: string, env: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      const name = close < 0 ? undefined : input.slice(i + 2, close);
      if (name !== undefined && Object.hasOwn(env, name)) {
        out += env[name];
        i = close;
      } else {
        out += ch;
      }
    } else {
      out += ch;
    }
  }
  return out;
}

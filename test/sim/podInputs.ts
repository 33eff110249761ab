// Everything a pod reads from outside its command line: ConfigMaps and Secrets named in env,
// and volumes written out as files (configMap, secret, projected, downwardAPI, emptyDir).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { V1Pod, V1Volume, V1KeyToPath } from '@kubernetes/client-node';
import { ContainerConfigError } from './containerPlan.js';
import type { SimApi } from './simApi.js';

export interface PodInputs {
  volumeDirs: Map<string, string>;
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
}

type Source = Pick<SimApi, 'configMapData' | 'secretData' | 'serviceAccountToken'>;

export async function preparePodInputs(pod: V1Pod, volumesRoot: string, api: Source): Promise<PodInputs> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const inputs: PodInputs = { volumeDirs: new Map(), configMaps: new Map(), secrets: new Map() };
  const configMap = async (name: string) => {
    if (!inputs.configMaps.has(name)) {
      const data = await api.configMapData(namespace, name);
      if (data) inputs.configMaps.set(name, data);
    }
    return inputs.configMaps.get(name);
  };
  const secret = async (name: string) => {
    if (!inputs.secrets.has(name)) {
      const data = await api.secretData(namespace, name);
      if (data) inputs.secrets.set(name, data);
    }
    return inputs.secrets.get(name);
  };

  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const container of containers) {
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef?.name) await configMap(from.configMapRef.name);
      if (from.secretRef?.name) await secret(from.secretRef.name);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom;
      if (ref?.configMapKeyRef?.name) await configMap(ref.configMapKeyRef.name);
      if (ref?.secretKeyRef?.name) await secret(ref.secretKeyRef.name);
    }
  }

  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(volumesRoot, volume.name);
    await mkdir(dir, { recursive: true });
    let files = await volumeFiles(volume, pod, { configMap, secret, api });
    if (volume.configMap) {
      const mounts = mountTable(pod, volume.name, volumesRoot);
      files = files.map((file) => ({ ...file, content: localiseMountPaths(file.content, mounts) }));
    }
    for (const file of files) {
      const target = normalize(join(dir, file.path));
      if (!target.startsWith(`${dir}/`)) throw new ContainerConfigError('CreateContainerConfigError', `volume ${volume.name}: bad path ${file.path}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
      await chmod(target, file.mode);
    }
    inputs.volumeDirs.set(volume.name, dir);
  }
  return inputs;
}

interface VolumeFile {
  path: string;
  content: string;
  mode: number;
}

interface Lookups {
  configMap(name: string): Promise<Record<string, string> | undefined>;
  secret(name: string): Promise<Record<string, string> | undefined>;
  api: Source;
}

async function volumeFiles(volume: V1Volume, pod: V1Pod, look: Lookups): Promise<VolumeFile[]> {
  if (volume.configMap) {
    const cm = volume.configMap;
    const data = await look.configMap(cm.name ?? '');
    return keyedFiles(`configmap "${cm.name}"`, data, cm.items, cm.defaultMode ?? 0o644, cm.optional);
  }
  if (volume.secret) {
    const s = volume.secret;
    const data = await look.secret(s.secretName ?? '');
    return keyedFiles(`secret "${s.secretName}"`, data, s.items, s.defaultMode ?? 0o644, s.optional);
  }
  if (volume.downwardAPI) {
    return downwardFiles(volume.downwardAPI.items ?? [], pod, volume.downwardAPI.defaultMode ?? 0o644);
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? 0o644;
    const files: VolumeFile[] = [];
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) {
        const data = await look.configMap(source.configMap.name ?? '');
        files.push(...keyedFiles(`configmap "${source.configMap.name}"`, data, source.configMap.items, mode, source.configMap.optional));
      } else if (source.secret) {
        const data = await look.secret(source.secret.name ?? '');
        files.push(...keyedFiles(`secret "${source.secret.name}"`, data, source.secret.items, mode, source.secret.optional));
      } else if (source.downwardAPI) {
        files.push(...downwardFiles(source.downwardAPI.items ?? [], pod, mode));
      } else if (source.serviceAccountToken) {
        const token = await look.api.serviceAccountToken(
          pod.metadata?.namespace ?? 'default',
          pod.spec?.serviceAccountName ?? 'default',
          source.serviceAccountToken.audience,
          source.serviceAccountToken.expirationSeconds ?? 3607,
        );
        files.push({ path: source.serviceAccountToken.path, content: token, mode: 0o600 });
      }
    }
    return files;
  }
  // emptyDir and anything unknown: an empty directory.
  return [];
}

function keyedFiles(
  what: string,
  data: Record<string, string> | undefined,
  items: V1KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean | undefined,
): VolumeFile[] {
  if (!data) {
    if (optional) return [];
    throw new ContainerConfigError('CreateContainerConfigError', `${what} not found`);
  }
  if (!items || items.length === 0) {
    return Object.entries(data).map(([key, content]) => ({ path: key, content, mode: defaultMode }));
  }
  return items.map((item) => {
    const content = data[item.key];
    if (content === undefined) throw new ContainerConfigError('CreateContainerConfigError', `key "${item.key}" of ${what} not found`);
    return { path: item.path, content, mode: item.mode ?? defaultMode };
  });
}

function downwardFiles(items: Array<{ path: string; fieldRef?: { fieldPath: string } }>, pod: V1Pod, mode: number): VolumeFile[] {
  const meta = pod.metadata ?? {};
  const asLines = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {})
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
  return items.flatMap((item) => {
    const field = item.fieldRef?.fieldPath;
    const values: Record<string, string> = {
      'metadata.name': meta.name ?? '',
      'metadata.namespace': meta.namespace ?? '',
      'metadata.uid': meta.uid ?? '',
      'metadata.labels': asLines(meta.labels),
      'metadata.annotations': asLines(meta.annotations),
    };
    return field !== undefined && field in values ? [{ path: item.path, content: values[field] ?? '', mode }] : [];
  });
}

/**
 * In-container mount path -> local directory, for the (first) container that mounts `volume`;
 * longest first. Paths of every volume are known before any is written: `volumesRoot/<name>`.
 */
export function mountTable(pod: V1Pod, volume: string, volumesRoot: string): Array<[string, string]> {
  const container = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.volumeMounts?.some((m) => m.name === volume));
  const mounts: Array<[string, string]> = (container?.volumeMounts ?? []).map((m) => {
    const from = m.mountPath.length > 1 && m.mountPath.endsWith('/') ? m.mountPath.slice(0, -1) : m.mountPath;
    const dir = join(volumesRoot, m.name);
    return [from, m.subPath ? join(dir, m.subPath) : dir];
  });
  return mounts.sort((a, b) => b[0].length - a[0].length);
}

/**
 * A ConfigMap file may name a file of another volume by its in-container path (media-node's
 * config names its token files, mounted from Secrets). There is no mount namespace here, so
 * such paths are rewritten to the directories the sim wrote, as argv and env are: only a
 * whole path segment prefix (`/var/run/x` maps in `/var/run/x/token`, never in `/var/run/xy`).
 */
export function localiseMountPaths(text: string, mounts: Array<[string, string]>): string {
  if (mounts.length === 0) return text;
  const escape = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![\\w./-])(${mounts.map(([from]) => escape(from)).join('|')})(?=/|$|[\\s"',\\]}])`, 'gm');
  const to = new Map(mounts);
  return text.replace(pattern, (from) => to.get(from) ?? from);
}

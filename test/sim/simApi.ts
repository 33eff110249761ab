// The sim's requests to the API server (@kubernetes/client-node 2.x), except the pod list/watch,
// which is the operator's own informer (podWatch.ts).
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Lease,
  type V1Node,
  type V1NodeStatus,
  type V1PodStatus,
} from '@kubernetes/client-node';

export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.statusCode ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class SimApi {
  readonly kubeConfig: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;

  constructor(kubeconfigPath: string) {
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromFile(kubeconfigPath);
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = this.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async bindPod(namespace: string, name: string, nodeName: string): Promise<void> {
    await this.core.createNamespacedPodBinding({
      namespace,
      name,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
    });
  }

  async patchPodStatus(namespace: string, name: string, uid: string, status: V1PodStatus): Promise<void> {
    // The uid precondition keeps a late update from landing on a new pod with the same name.
    await this.core.patchNamespacedPodStatus({ namespace, name, body: { metadata: { uid }, status } }, mergePatch);
  }

  async deletePodNow(namespace: string, name: string, uid: string): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } });
  }

  async configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ namespace, name });
      const binary = Object.fromEntries(
        Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
      return { ...binary, ...(cm.data ?? {}) };
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async secretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name });
      const decoded = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
      return { ...decoded, ...(secret.stringData ?? {}) };
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async serviceAccountToken(namespace: string, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const review = await this.core.createNamespacedServiceAccountToken({
      namespace,
      name: serviceAccount,
      body: { spec: { audiences: audience ? [audience] : [], expirationSeconds } },
    });
    return review.status?.token ?? '';
  }

  async upsertNode(node: V1Node): Promise<void> {
    const name = node.metadata?.name ?? '';
    try {
      await this.core.createNode({ body: node });
    } catch (err) {
      if (httpStatusOf(err) !== 409) throw err;
    }
    await this.patchNodeStatus(name, node.status ?? {});
  }

  async patchNodeStatus(name: string, status: V1NodeStatus): Promise<void> {
    await this.core.patchNodeStatus({ name, body: { status } }, mergePatch);
  }

  async deleteNode(name: string): Promise<void> {
    try {
      await this.core.deleteNode({ name });
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
    }
  }

  async renewLease(nodeName: string, durationSeconds: number): Promise<void> {
    const namespace = 'kube-node-lease';
    // Lease times are MicroTime ("...05.000000Z"); client-node 2.0.1 serialises a Date with
    // milliseconds, which the API server rejects. So the time goes in a merge patch as a string.
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(new Date()) };
    try {
      await this.coordination.patchNamespacedLease({ namespace, name: nodeName, body: { spec } }, mergePatch);
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
      const lease: V1Lease = { metadata: { name: nodeName, namespace }, spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds } };
      await this.coordination.createNamespacedLease({ namespace, body: lease });
      await this.coordination.patchNamespacedLease({ namespace, name: nodeName, body: { spec } }, mergePatch);
    }
  }
}

/** RFC 3339 with exactly six fractional digits, as metav1.MicroTime requires. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The rollback benchmark's world: a real control plane with the CRD, the local kubelet running
 * pods as media-node processes (images from the bench's own image map), werift viewers in
 * another process, and the operator as a child process — the e2e rollout tests' world, started
 * and stopped by hand (no test runner). Status and pods are read over one kept-alive API
 * connection, not by spawning kubectl every second, so polling stays cheap next to the pods.
 */
import { KubeConfig } from "@kubernetes/client-node";
import type { ControlPlane } from "../cluster/controlPlane.js";
import { collectionPath, MEDIASERVERS, objectPath, PODS } from "../../operator/kube/resources.js";
import { KubeRest } from "../../operator/kube/rest.js";
import { mediaServerYaml, podInfo, type PodInfo, type Rollback } from "../e2e/support/rollout.js";
import { controlPlaneWithCrd, kubectl, startOperator, waitFor, waitReady, type OperatorProcess } from "../integration/operatorSupport.js";
import { startSimKubelet, type SimKubelet } from "../sim/kubelet.js";
import { startClientProcess, type ClientProcess } from "../support/clients.js";
import { REPO_ROOT } from "./paths.js";

export const NAME = "bench";
/** Pod IPs of this bench's sim: apart from the e2e tests' (127.31) and the sim's default (127.10). */
export const POD_IP_PREFIX = "127.41";

export interface BenchPod extends PodInfo {
  startMs?: number;
}

export interface WorldOptions {
  imageMapPath: string;
  image: string;
  replicas: number;
  rollback: Required<Rollback>;
  progress: (line: string) => void;
}

type Json = any;

export class BenchWorld {
  private constructor(
    readonly cp: ControlPlane,
    readonly sim: SimKubelet,
    readonly clients: ClientProcess,
    readonly operator: OperatorProcess,
    private readonly rest: KubeRest,
  ) {}

  get kc(): string {
    return this.cp.kubeconfigPath;
  }

  /** Everything started in order; whatever started is stopped again if a later step fails. */
  static async start(options: WorldOptions): Promise<BenchWorld> {
    const started: Array<{ stop: () => Promise<unknown> }> = [];
    try {
      options.progress("control plane (etcd, kube-apiserver, kube-controller-manager) ...");
      const cp = await controlPlaneWithCrd();
      started.push(cp);
      const sim = await startSimKubelet({ kubeconfigPath: cp.kubeconfigPath, nodeName: "bench-node", repoRoot: REPO_ROOT, podIpPrefix: POD_IP_PREFIX, maxGraceMs: 2000, imageMapPath: options.imageMapPath });
      started.push(sim);
      const clients = await startClientProcess(30_000);
      started.push(clients);
      const operator = await startOperator({ kubeconfigPath: cp.kubeconfigPath, name: "bench", env: { LOG_LEVEL: "info" } });
      started.push({ stop: () => operator.stop("SIGKILL") });
      await waitReady(operator);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(cp.kubeconfigPath);
      const world = new BenchWorld(cp, sim, clients, operator, new KubeRest(kubeConfig));
      options.progress(`MediaServer ${NAME} on ${options.image} (first revision: baked, no comparison) ...`);
      await kubectl(cp.kubeconfigPath, ["apply", "-f", "-"], mediaServerYaml(NAME, options.image, { replicas: options.replicas, rollback: options.rollback }));
      await waitFor(`${options.image} to be the last good revision`, async () => (await world.mediaServer()).status?.lastGoodImage === options.image, 180_000, 1000);
      return world;
    } catch (error) {
      for (const s of started.reverse()) await s.stop().catch(() => undefined);
      throw error;
    }
  }

  async mediaServer(): Promise<Json> {
    return this.rest.request("get", objectPath(MEDIASERVERS, "default", NAME), { resource: "mediaservers" });
  }

  async pods(): Promise<BenchPod[]> {
    const list = await this.rest.request<Json>("list", collectionPath(PODS, "default"), { resource: "pods", query: { labelSelector: `app.kubernetes.io/instance=${NAME}` } });
    return (list.items as Json[]).map(podInfo);
  }

  /** `retry`: also set mediafleet.io/retry, so a revision rejected before is analysed again. */
  async patchImage(image: string, options: { retry?: boolean } = {}): Promise<void> {
    const body = { spec: { image }, ...(options.retry ? { metadata: { annotations: { "mediafleet.io/retry": "1" } } } : {}) };
    await this.rest.request("patch", objectPath(MEDIASERVERS, "default", NAME), { resource: "mediaservers", body, contentType: "application/merge-patch+json" });
  }

  /** Only the fleet is left: `replicas` Ready stable pods of `image`, nothing else, nothing terminating. */
  async waitSettled(image: string, replicas: number, timeoutMs: number): Promise<void> {
    await waitFor(`only ${replicas} Ready stable pod(s) of ${image}`, async () => {
      const pods = await this.pods();
      return pods.length === replicas && pods.every((p) => p.role === "stable" && p.ready && !p.deleting && p.image === image);
    }, timeoutMs, 500);
  }

  async stop(): Promise<void> {
    await this.rest.close().catch(() => undefined);
    await this.clients.stop().catch(() => undefined);
    await this.operator.stop("SIGKILL").catch(() => undefined);
    await this.sim.stop().catch(() => undefined);
    await this.cp.stop().catch(() => undefined);
  }
}

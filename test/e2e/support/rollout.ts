/**
 * Helpers for the rollout tests: a real control plane with the CRD, the local kubelet running
 * pods as media-node processes (images mapped by test/sim/images.yaml), the operator as a
 * child process, werift viewers in another process, and kubectl to look at it all.
 */
import { after, before } from "node:test";
import type { ControlPlane } from "../../cluster/controlPlane.js";
import { startSimKubelet, type SimKubelet } from "../../sim/kubelet.js";
import { startClientProcess, type ClientProcess } from "../../support/clients.js";
import { controlPlaneWithCrd, kubectl, kubectlJson, REPO_ROOT, startOperator, waitFor, waitReady, type OperatorProcess } from "../../integration/operatorSupport.js";

export const IMAGE = (tag: string) => `ghcr.io/mediafleet/media-node:${tag}`;

export interface RolloutWorld {
  cp: ControlPlane;
  sim: SimKubelet;
  clients: ClientProcess;
  operator: OperatorProcess;
  kc: string;
}

/** One control plane, sim, operator and viewer process for a test file; torn down after it. */
export function rolloutWorldForFile(podIpPrefix: string): () => RolloutWorld {
  let world: Partial<RolloutWorld> = {};
  before(async () => {
    const cp = await controlPlaneWithCrd();
    world = { cp, kc: cp.kubeconfigPath };
    world.sim = await startSimKubelet({ kubeconfigPath: cp.kubeconfigPath, nodeName: "rollout-node", repoRoot: REPO_ROOT, podIpPrefix, maxGraceMs: 2000 });
    world.clients = await startClientProcess(30_000);
    world.operator = await startOperator({ kubeconfigPath: cp.kubeconfigPath, env: { LOG_LEVEL: "info" } });
    await waitReady(world.operator);
  });
  after(async () => {
    // ROLLOUT_DEBUG_DIR=/some/dir keeps the operator's log and the pods' logs of the run.
    const debugDir = process.env.ROLLOUT_DEBUG_DIR;
    if (debugDir && world.operator) {
      const { writeFileSync, cpSync } = await import("node:fs");
      writeFileSync(`${debugDir}/operator.log`, world.operator.logs.map((l) => JSON.stringify(l)).join("\n"));
      if (world.sim) cpSync(`${world.sim.dir}/logs`, `${debugDir}/pods`, { recursive: true });
    }
    await world.clients?.stop().catch(() => undefined);
    await world.operator?.stop("SIGKILL").catch(() => undefined);
    await world.sim?.stop().catch(() => undefined);
    await world.cp?.stop().catch(() => undefined);
  });
  return () => world as RolloutWorld;
}

export interface Rollback {
  interval?: string;
  window?: string;
  minSamples?: number;
  bakeTime?: string;
  progressDeadline?: string;
}

/** A MediaServer with a synthetic test-pattern stream on path "live" and short rollout timings. */
export function mediaServerYaml(name: string, image: string, options: { replicas?: number; nack?: string; memoryLimit?: string; rollback?: Rollback } = {}): string {
  const r = { interval: "2s", window: "30s", minSamples: 5, bakeTime: "8s", progressDeadline: "60s", ...options.rollback };
  return `apiVersion: mediafleet.io/v1alpha1
kind: MediaServer
metadata:
  name: ${name}
  namespace: default
spec:
  image: ${image}
  replicas: ${options.replicas ?? 2}
  webrtc:
    udpPort: 8118
    ipsFromInterfaces: false
    additionalHosts: ["127.0.0.1"]
    nack: ${options.nack ?? "{ mode: shared, historyPackets: 512 }"}
    rtcpReportInterval: 1s
  paths:
    - name: live
      source: { testPattern: { mode: synthetic, packetsPerSecond: 250 } }
${options.memoryLimit ? `  resources:\n    limits: { memory: ${options.memoryLimit} }\n` : ""}  rollback:
    interval: ${r.interval}
    window: ${r.window}
    minSamples: ${r.minSamples}
    bakeTime: ${r.bakeTime}
    progressDeadline: ${r.progressDeadline}
    maxHeapRegressionPercent: 20
    minRegressionMiB: 8
`;
}

export interface PodInfo {
  name: string;
  role: string;
  ip: string;
  ready: boolean;
  image: string;
  deleting: boolean;
}

/** What the rollout tests (and the rollback benchmark) look at in a Pod object. */
export function podInfo(p: any): PodInfo & { startMs?: number } {
  return {
    name: p.metadata.name,
    role: p.metadata.labels?.["mediafleet.io/role"] ?? "",
    ip: p.status?.podIP ?? "",
    ready: p.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True") ?? false,
    image: p.spec.containers[0].image,
    deleting: p.metadata.deletionTimestamp !== undefined,
    ...(p.status?.startTime ? { startMs: Date.parse(p.status.startTime) } : {}),
  };
}

export async function podsOf(kc: string, name: string): Promise<PodInfo[]> {
  const list = await kubectlJson(kc, ["get", "pods", "-l", `app.kubernetes.io/instance=${name}`]);
  return (list.items as any[]).map(podInfo);
}

export async function readyPods(kc: string, name: string, role: string, count: number, timeoutMs: number): Promise<PodInfo[]> {
  return waitFor(`${count} ready ${role} pod(s) of ${name}`, async () => {
    const pods = (await podsOf(kc, name)).filter((p) => p.role === role && p.ready && p.ip && !p.deleting);
    return pods.length >= count ? pods : undefined;
  }, timeoutMs, 250);
}

export async function mediaServer(kc: string, name: string): Promise<any> {
  return kubectlJson(kc, ["get", "msrv", name]);
}

export async function waitStatus(kc: string, name: string, what: string, predicate: (ms: any) => boolean, timeoutMs: number): Promise<any> {
  try {
    return await waitFor(what, async () => {
      const ms = await mediaServer(kc, name);
      return predicate(ms) ? ms : undefined;
    }, timeoutMs, 500);
  } catch (error) {
    // Say where it stood: the analysis and the conditions are what a person would look at.
    const ms = await mediaServer(kc, name).catch(() => undefined);
    const { points: _points, ...analysis } = ms?.status?.analysis ?? {};
    const conditions = (ms?.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status}/${c.reason}: ${c.message}`);
    throw new Error(`${(error as Error).message}\nanalysis: ${JSON.stringify(analysis)}\nconditions:\n${conditions.join("\n")}\nannotations: ${JSON.stringify(ms?.metadata?.annotations ?? {})}`);
  }
}

export async function eventsOf(kc: string, name: string): Promise<Array<{ reason: string; message: string; type: string; time: string }>> {
  const list = await kubectlJson(kc, ["get", "events", "--field-selector", `involvedObject.kind=MediaServer,involvedObject.name=${name}`]);
  return (list.items as any[])
    .map((e) => ({ reason: e.reason, message: e.message ?? e.note ?? "", type: e.type, time: e.eventTime ?? e.lastTimestamp ?? e.metadata.creationTimestamp }))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

export async function deploymentNames(kc: string, name: string): Promise<string[]> {
  const out = await kubectl(kc, ["get", "deployments", "-l", `app.kubernetes.io/instance=${name}`, "-o", "jsonpath={.items[*].metadata.name}"]);
  return out.split(/\s+/).filter(Boolean).sort();
}

let viewerSeq = 0;

/** Connects `count` WHEP viewers to each pod; returns their ids. */
export async function connectViewers(clients: ClientProcess, pods: PodInfo[], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (const pod of pods) {
    for (let i = 0; i < count; i++) {
      const id = `v${++viewerSeq}-${pod.role}`;
      const created = await clients.view({ id, url: `http://${pod.ip}:8117/live/whep` });
      if (created.status !== 201) throw new Error(`WHEP to ${pod.name} answered ${created.status}: ${created.body}`);
      ids.push(id);
    }
  }
  for (const id of ids) await clients.waitConnected(id, 30_000);
  return ids;
}

export async function closeViewers(clients: ClientProcess, ids: string[]): Promise<void> {
  for (const id of ids) await clients.close(id).catch(() => undefined);
}

export { kubectl, kubectlJson, waitFor, startOperator, waitReady };

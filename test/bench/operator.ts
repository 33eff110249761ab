/**
 * `npm run bench:operator`: 100 MediaServers created at once against a real control plane
 * (etcd + kube-apiserver + kube-controller-manager), the operator as a child process.
 * Measures, per MediaServer, create -> Deployment seen (p50/p99); operator RSS; API requests
 * per reconcile (from mediafleet_kube_requests_total); and, once settled, requests per object
 * over 30 s of idle (must be ~0: no hot loop). Prints a table, writes bench-results/operator-<date>.json.
 *
 * Env: BENCH_OBJECTS (default 100), BENCH_IDLE_SECONDS (default 30), BENCH_REPLICAS (default 1).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeClient, loadKubeConfig } from "../../operator/kube/client.js";
import { ResourceListWatch } from "../../operator/kube/listWatch.js";
import type { KubeObject } from "../../operator/kube/objects.js";
import { Reflector } from "../../operator/kube/reflector.js";
import { collectionPath, DEPLOYMENTS, MEDIASERVERS } from "../../operator/kube/resources.js";
import { realTimers } from "../../common/timers.js";
import { controlPlaneWithCrd, REPO_ROOT, startOperator, sumSamples, waitFor, waitReady, type OperatorProcess } from "../integration/operatorSupport.js";

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 100);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

interface RequestCounts {
  total: number;
  writes: number;
  byVerb: Record<string, number>;
}

async function requestCounts(operator: OperatorProcess): Promise<RequestCounts & { reconciles: number; rssBytes: number }> {
  const text = await operator.metricsText();
  const byVerb: Record<string, number> = {};
  for (const verb of ["get", "list", "watch", "create", "update", "patch", "apply", "delete"]) byVerb[verb] = sumSamples(text, "mediafleet_kube_requests_total", { verb });
  const total = Object.values(byVerb).reduce((a, b) => a + b, 0);
  const writes = byVerb.create! + byVerb.update! + byVerb.patch! + byVerb.apply! + byVerb.delete!;
  return { total, writes, byVerb, reconciles: sumSamples(text, "mediafleet_reconcile_total"), rssBytes: sumSamples(text, "process_resident_memory_bytes") };
}

function mediaServer(name: string): object {
  return {
    apiVersion: "mediafleet.io/v1alpha1",
    kind: "MediaServer",
    metadata: { name, namespace: "default" },
    spec: {
      image: "ghcr.io/mediafleet/media-node:0.1.0",
      replicas: REPLICAS,
      webrtc: { udpPort: 8118, ipsFromInterfaces: false, additionalHosts: ["127.0.0.1"], nack: { mode: "shared", historyPackets: 512 }, mdns: { mode: "off" }, rtcpReportInterval: "3s" },
      paths: [{ name: "cam1" }],
      service: { type: "ClusterIP" },
    },
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  process.stderr.write(`starting control plane ...\n`);
  const cp = await controlPlaneWithCrd();
  let operator: OperatorProcess | undefined;
  let watcher: Reflector<KubeObject> | undefined;
  try {
    operator = await startOperator({ kubeconfigPath: cp.kubeconfigPath, name: "bench", env: { LOG_LEVEL: "info" } });
    await waitReady(operator);
    process.env.KUBECONFIG = cp.kubeconfigPath;
    const kube = new KubeClient(loadKubeConfig());
    const seenAt = new Map<string, number>();
    watcher = new Reflector(new ResourceListWatch<KubeObject>(kube.rest, DEPLOYMENTS, { namespace: "default" }), { timers: realTimers, resyncPeriodMs: 0 });
    watcher.onChange((change, object) => {
      if (change === "add" && !seenAt.has(object.metadata.name)) seenAt.set(object.metadata.name, performance.now());
    });
    watcher.start();
    await watcher.waitForSync();

    const before = await requestCounts(operator);
    let peakRss = before.rssBytes;
    const rssSampler = setInterval(() => {
      void requestCounts(operator!).then((c) => (peakRss = Math.max(peakRss, c.rssBytes)), () => {});
    }, 250);
    const names = Array.from({ length: OBJECTS }, (_, i) => `bench-${String(i).padStart(3, "0")}`);
    const createdAt = new Map<string, number>();
    const burstStart = performance.now();
    process.stderr.write(`creating ${OBJECTS} MediaServers at once ...\n`);
    await Promise.all(names.map(async (name) => {
      await kube.rest.request("create", collectionPath(MEDIASERVERS, "default"), { resource: "mediaservers", body: mediaServer(name) });
      createdAt.set(name, performance.now());
    }));
    const createsDoneMs = performance.now() - burstStart;
    await waitFor(`${OBJECTS} Deployments`, () => seenAt.size >= OBJECTS, 120_000, 50);
    const allDeploymentsMs = performance.now() - burstStart;
    const latencies = names.map((n) => seenAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);

    // Settle: status of every MediaServer observed, and no reconcile for 3 s.
    process.stderr.write(`waiting for the operator to settle ...\n`);
    await waitFor("status on every MediaServer", async () => {
      const list = await kube.rest.request<{ items: Array<{ metadata: { generation: number }; status?: { observedGeneration?: number } }> }>("list", collectionPath(MEDIASERVERS, "default"), { resource: "mediaservers" });
      return list.items.length === OBJECTS && list.items.every((i) => i.status?.observedGeneration === i.metadata.generation);
    }, 120_000, 500);
    let last = await requestCounts(operator);
    for (let quietSince = Date.now(); Date.now() - quietSince < 3000; ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await requestCounts(operator);
      if (now.reconciles !== last.reconciles || now.writes !== last.writes) quietSince = Date.now();
      last = now;
    }
    const settled = last;
    clearInterval(rssSampler);
    const burst = { requests: settled.total - before.total, writes: settled.writes - before.writes, reconciles: settled.reconciles - before.reconciles };

    process.stderr.write(`idle for ${IDLE_SECONDS} s ...\n`);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idle = await requestCounts(operator);
    const idleRequests = idle.total - settled.total;

    const result = {
      benchmark: "operator",
      date: startedAt.toISOString(),
      node: process.version,
      objects: OBJECTS,
      replicasPerObject: REPLICAS,
      createToDeploymentMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) },
      createsDoneMs: Math.round(createsDoneMs),
      allDeploymentsMs: Math.round(allDeploymentsMs),
      operatorRssMb: { beforeBurst: +(before.rssBytes / 2 ** 20).toFixed(1), peak: +(peakRss / 2 ** 20).toFixed(1), idle: +(idle.rssBytes / 2 ** 20).toFixed(1) },
      burst: { ...burst, requestsPerReconcile: +(burst.requests / burst.reconciles).toFixed(2), writesPerReconcile: +(burst.writes / burst.reconciles).toFixed(2), requestsPerObject: +(burst.requests / OBJECTS).toFixed(2), byVerb: Object.fromEntries(Object.entries(settled.byVerb).map(([k, v]) => [k, v - before.byVerb[k]!])) },
      idle: { seconds: IDLE_SECONDS, requests: idleRequests, requestsPerObject: +(idleRequests / OBJECTS).toFixed(3), reconciles: idle.reconciles - settled.reconciles },
    };
    const table = [
      ["objects", `${OBJECTS} (replicas ${REPLICAS} each)`],
      ["create -> Deployment p50", `${result.createToDeploymentMs.p50.toFixed(0)} ms`],
      ["create -> Deployment p99", `${result.createToDeploymentMs.p99.toFixed(0)} ms`],
      ["all Deployments after", `${result.allDeploymentsMs} ms (creates done at ${result.createsDoneMs} ms)`],
      ["operator RSS before/peak/idle", `${result.operatorRssMb.beforeBurst} / ${result.operatorRssMb.peak} / ${result.operatorRssMb.idle} MB`],
      ["reconciles in the burst", String(burst.reconciles)],
      ["API requests per reconcile", `${result.burst.requestsPerReconcile} (writes ${result.burst.writesPerReconcile})`],
      ["API requests per object (burst)", String(result.burst.requestsPerObject)],
      [`requests per object, ${IDLE_SECONDS} s idle`, `${result.idle.requestsPerObject} (${idleRequests} total, ${result.idle.reconciles} reconciles)`],
    ];
    const width = Math.max(...table.map(([k]) => k!.length));
    process.stdout.write(`\noperator benchmark\n${table.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`).join("\n")}\n`);
    const dir = join(REPO_ROOT, "bench-results");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `operator-${startedAt.toISOString().slice(0, 10)}.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\nwrote ${file}\n`);
    await kube.close();
  } finally {
    await watcher?.stop();
    await operator?.stop();
    await cp.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

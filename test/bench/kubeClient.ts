/**
 * `node_modules/.bin/node --expose-gc --import tsx test/bench/kubeClient.ts`: the operator's own
 * client (operator/kube: KubeRest, ResourceListWatch, Reflector) against @kubernetes/client-node's
 * KubernetesObjectApi and ListWatch informer, on one real API server (test/cluster). The README's
 * dependency table cites these numbers for why the operator keeps its own list/watch: a request's
 * wall time, CPU and new TCP connections; a list of N ConfigMaps (time, heap it holds); an
 * informer's sync, the heap of its cache, and its requests while nothing changes.
 * `clientNodePooled` is KubernetesObjectApi with a middleware that reuses one connection pool
 * (what rest.ts does), to tell the cost of connections from the cost of the typed models.
 *
 * Heap is read in a fresh child process per variant (`--heap VARIANT`): in one process, memory
 * that an earlier variant left behind is released late (undici frees from FinalizationRegistry
 * callbacks) and made a later variant's reading negative.
 *
 * Env: BENCH_OBJECTS (default 1000), BENCH_REQUESTS (default 300), BENCH_IDLE_SECONDS (default 65:
 * long enough for client-node's 30 s watch inactivity timeout to fire twice).
 */
import { execFile } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  createConfiguration,
  KubernetesObjectApi,
  ListWatch,
  PatchStrategy,
  ServerConfiguration,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type RequestContext,
} from "@kubernetes/client-node";
import { realTimers } from "../../common/timers.js";
import { KubeClient, loadKubeConfig } from "../../operator/kube/client.js";
import { ResourceListWatch } from "../../operator/kube/listWatch.js";
import type { KubeObject } from "../../operator/kube/objects.js";
import { Reflector } from "../../operator/kube/reflector.js";
import { CONFIGMAPS } from "../../operator/kube/resources.js";
import { startControlPlane } from "../cluster/controlPlane.js";
import { REPO_ROOT, waitFor } from "../integration/operatorSupport.js";

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 1000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 65);
const NS = "default";
const LISTS = 5;
const HEAP_VARIANTS = ["ours-list", "clientNode-list", "ours-informer", "clientNode-informer"] as const;
type HeapVariant = (typeof HEAP_VARIANTS)[number];

// Every TCP connection this process opens (undici's included): what a request costs in handshakes.
let sockets = 0;
subscribe("net.client.socket", () => {
  sockets += 1;
});

interface Measured {
  wallMs: number;
  cpuMs: number;
  sockets: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const socketsBefore = sockets;
  const started = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, sockets: sockets - socketsBefore };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** Long enough for undici's keep-alive timeout (4 s) to close what a request left open. */
const settleConnections = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5000));

/** client-node's Watch, counting the watch requests its ListWatch makes. */
class CountingWatch extends Watch {
  calls = 0;
  constructor(config: KubeConfig) {
    super(config);
  }
  override watch(...args: Parameters<Watch["watch"]>): Promise<AbortController> {
    this.calls += 1;
    return super.watch(...args);
  }
}

/**
 * KubernetesObjectApi whose requests share the first request's undici Agent: client-node 2.0.1
 * builds a new Agent (a new TCP + TLS connection) for every request otherwise.
 */
function pooledObjectApi(kubeConfig: KubeConfig): KubernetesObjectApi {
  let shared: ReturnType<RequestContext["getDispatcher"]>;
  const pool = {
    pre: async (context: RequestContext) => {
      if (shared === undefined) shared = context.getDispatcher();
      else context.setDispatcher(shared);
      return context;
    },
    post: async <T>(response: T) => response,
  };
  return new KubernetesObjectApi(createConfiguration({ baseServer: new ServerConfiguration(kubeConfig.getCurrentCluster()!.server, {}), authMethods: { default: kubeConfig }, promiseMiddleware: [pool] }));
}

function configMap(name: string): KubeObject {
  // About the size of the media-node.yaml a MediaServer's ConfigMap carries.
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: NS, labels: { app: "bench" } }, data: { "media-node.yaml": `# ${name}\n${"webrtc: {udpPort: 8118}\n".repeat(40)}` } };
}

const listOurs = (kube: KubeClient) => new ResourceListWatch<KubeObject>(kube.rest, CONFIGMAPS, { namespace: NS }).list();
const listTyped = (api: KubernetesObjectApi) => api.list("v1", "ConfigMap", NS) as Promise<KubernetesListObject<KubernetesObject>>;
const clientNodeInformer = (api: KubernetesObjectApi, watch: Watch) => new ListWatch(`/api/v1/namespaces/${NS}/configmaps`, watch, () => listTyped(api), false);

/** Child process: heap per object held by one variant, printed as JSON. KUBECONFIG is set. */
async function heapOf(variant: HeapVariant): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (heap figures need a full GC before each reading)");
  const heapAfterGc = async (): Promise<number> => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };
  const kubeConfig = loadKubeConfig();
  const kube = new KubeClient(kubeConfig);
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const list = variant.startsWith("ours") ? () => listOurs(kube) : () => listTyped(api);
  await list(); // warm: discovery, connection, compiled code
  await settleConnections();
  const before = await heapAfterGc();
  let count: number;
  const keep: unknown[] = [];
  if (variant.endsWith("-list")) {
    for (let i = 0; i < LISTS; i++) keep.push(await list());
    count = (keep as Array<{ items: unknown[] }>).reduce((sum, l) => sum + l.items.length, 0);
  } else if (variant === "ours-informer") {
    const reflector = new Reflector(new ResourceListWatch<KubeObject>(kube.rest, CONFIGMAPS, { namespace: NS }), { timers: realTimers, resyncPeriodMs: 0 });
    reflector.start();
    await reflector.waitForSync();
    keep.push(reflector);
    count = reflector.list().length;
  } else {
    const informer = clientNodeInformer(api, new Watch(kubeConfig));
    await informer.start();
    keep.push(informer);
    count = informer.list().length;
  }
  await settleConnections();
  const bytes = (await heapAfterGc()) - before;
  const perList = variant.endsWith("-list") ? count / LISTS : count;
  process.stdout.write(`${JSON.stringify({ variant, objects: perList, heapBytesPerObject: Math.round(bytes / count), held: keep.length })}\n`);
}

async function heapInChild(variant: HeapVariant, kubeconfigPath: string): Promise<{ objects: number; heapBytesPerObject: number }> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", self, "--heap", variant], { env: { ...process.env, KUBECONFIG: kubeconfigPath }, cwd: REPO_ROOT });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { objects: number; heapBytesPerObject: number };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  process.stderr.write("starting control plane ...\n");
  const cp = await startControlPlane();
  let reflector: Reflector<KubeObject> | undefined;
  let informer: ListWatch<KubernetesObject> | undefined;
  let ourRequests = 0;
  try {
    process.env.KUBECONFIG = cp.kubeconfigPath;
    const kubeConfig = loadKubeConfig();
    const kube = new KubeClient(kubeConfig, { onRequest: () => (ourRequests += 1) });
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    const pooled = pooledObjectApi(kubeConfig);
    await waitFor("namespace default", () => kube.get({ group: "", version: "v1", plural: "namespaces", kind: "Namespace" }, "", NS).then(Boolean), 30_000, 200);

    process.stderr.write(`creating ${OBJECTS} ConfigMaps ...\n`);
    const names = Array.from({ length: OBJECTS }, (_, i) => `cm-${String(i).padStart(5, "0")}`);
    for (let i = 0; i < names.length; i += 16) await Promise.all(names.slice(i, i + 16).map((name) => kube.apply(configMap(name), { force: true })));

    const heap: Record<string, { objects: number; heapBytesPerObject: number }> = {};
    for (const variant of HEAP_VARIANTS) {
      process.stderr.write(`heap: ${variant} (child process) ...\n`);
      heap[variant] = await heapInChild(variant, cp.kubeconfigPath);
    }

    const target = configMap(names[0]!);
    const header = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: names[0]!, namespace: NS } };
    const clients = {
      ours: { get: () => kube.get(CONFIGMAPS, NS, names[0]!), apply: () => kube.apply(target, { force: true }), list: () => listOurs(kube) },
      clientNode: {
        get: () => objects.read(header),
        apply: () => objects.patch(target as KubernetesObject, undefined, undefined, "mediafleet-operator", true, PatchStrategy.ServerSideApply),
        list: () => listTyped(objects),
      },
      clientNodePooled: {
        get: () => pooled.read(header),
        apply: () => pooled.patch(target as KubernetesObject, undefined, undefined, "mediafleet-operator", true, PatchStrategy.ServerSideApply),
        list: () => listTyped(pooled),
      },
    };
    const results: Record<string, Record<string, unknown>> = {};
    for (const [client, ops] of Object.entries(clients)) {
      process.stderr.write(`${client}: requests and lists ...\n`);
      await ops.get(); // warm: discovery (client-node), a connection (ours)
      const get = await measure(async () => { for (let i = 0; i < REQUESTS; i++) await ops.get(); });
      const apply = await measure(async () => { for (let i = 0; i < REQUESTS; i++) await ops.apply(); });
      const burst = await measure(() => Promise.all(Array.from({ length: 100 }, () => ops.get())));
      const lists: Measured[] = [];
      for (let i = 0; i < LISTS; i++) lists.push(await measure(ops.list));
      const listHeap = heap[client === "ours" ? "ours-list" : "clientNode-list"]!;
      results[client] = {
        getMs: +(get.wallMs / REQUESTS).toFixed(2), getCpuMs: +(get.cpuMs / REQUESTS).toFixed(2), getSockets: get.sockets,
        applyMs: +(apply.wallMs / REQUESTS).toFixed(2), applyCpuMs: +(apply.cpuMs / REQUESTS).toFixed(2), applySockets: apply.sockets,
        burst100Ms: Math.round(burst.wallMs), burst100Sockets: burst.sockets,
        listMs: Math.round(median(lists.map((l) => l.wallMs))), listCpuMs: Math.round(median(lists.map((l) => l.cpuMs))),
        listedObjects: listHeap.objects, listHeapBytesPerObject: listHeap.heapBytesPerObject,
      };
      await settleConnections();
    }

    process.stderr.write("informers: sync ...\n");
    reflector = new Reflector(new ResourceListWatch<KubeObject>(kube.rest, CONFIGMAPS, { namespace: NS }), { timers: realTimers, resyncPeriodMs: 0 });
    const oursSync = await measure(async () => { reflector!.start(); await reflector!.waitForSync(); });
    const watch = new CountingWatch(kubeConfig);
    const errors: unknown[] = [];
    informer = clientNodeInformer(objects, watch);
    informer.on("error", (error) => errors.push(error));
    const libSync = await measure(() => informer!.start());

    process.stderr.write(`informers: ${IDLE_SECONDS} s with nothing changing ...\n`);
    const oursBefore = ourRequests;
    const watchesBefore = watch.calls;
    const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000)));
    results.informers = {
      objects: OBJECTS,
      ours: { syncMs: Math.round(oursSync.wallMs), cacheHeapBytesPerObject: heap["ours-informer"]!.heapBytesPerObject, cached: reflector.list().length, idleRequests: ourRequests - oursBefore },
      clientNode: { syncMs: Math.round(libSync.wallMs), cacheHeapBytesPerObject: heap["clientNode-informer"]!.heapBytesPerObject, cached: informer.list().length, idleWatchRequests: watch.calls - watchesBefore, errors: errors.length },
      idleSeconds: IDLE_SECONDS,
      idleNewConnections: idle.sockets,
    };

    const report = { benchmark: "kube-client", date: startedAt.toISOString(), node: process.version, loadAverage: loadavg().map((l) => +l.toFixed(1)), objects: OBJECTS, requests: REQUESTS, results };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const dir = join(REPO_ROOT, "bench-results");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `kube-client-${startedAt.toISOString().slice(0, 19).replace(/:/g, "-")}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
    await kube.close();
  } finally {
    await reflector?.stop();
    await informer?.stop();
    await cp.stop();
  }
}

const heapVariant = process.argv[2] === "--heap" ? (process.argv[3] as HeapVariant) : undefined;
if (heapVariant !== undefined && !HEAP_VARIANTS.includes(heapVariant)) throw new Error(`--heap takes one of ${HEAP_VARIANTS.join(", ")}`);
(heapVariant ? heapOf(heapVariant) : main()).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

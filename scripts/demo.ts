/**
 * `npm start`: mediafleet on an embedded default, all on this machine's loopback.
 *
 *   real kube-apiserver + etcd + kube-controller-manager  (test/cluster)
 *   the operator (dist/operator/main.js, leader election on)
 *   a local kubelet that runs each Pod as a media-node process on its own 127.x address (test/sim)
 *   examples/mediaserver-demo.yaml: 2 media nodes (image good), a test-pattern stream on path "demo"
 *   werift WHEP viewers in another process, proving that packets flow
 * and then the story: a leaky revision (the field report's per-viewer NACK copies) is rolled
 * out; one canary and one fresh baseline pod start beside the untouched fleet, the operator
 * scrapes and judges them, rolls the revision back and names what grew. It ends with a report,
 * an SVG plot of memory per pod over time (demo-results/), and `kubectl get` / `describe`.
 *
 * Flags: --once (tell the story, tear down, exit 0/1 — used by the tests), --viewers N per pod
 * (default 3). Without --once it keeps running and prints the table every 10 s until Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../test/cluster/controlPlane.js";
import { applyCrdAndWait, KUBECTL, kubectlOk, waitUntil } from "../test/cluster/kubectl.js";
import { freeTcpPort } from "../test/support/mediaNode.js";
import { startSimKubelet, type SimKubelet } from "../test/sim/kubelet.js";
import { startClientProcess, type ClientProcess } from "../test/support/clients.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { renderTimeline } from "../test/bench/timeline.js";
import { formatTable, podRows, rollbackReport, TimelineRecorder } from "./demoWatch.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const NAME = "demo";

const args = process.argv.slice(2);
const once = args.includes("--once");
const viewerCount = Number(args[args.indexOf("--viewers") + 1] ?? "") || 3;

const progress = (line: string) => process.stderr.write(`[demo ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface PodRow { name: string; ip: string; ready: boolean }

async function pods(cp: ControlPlane): Promise<PodRow[]> {
  const list = JSON.parse(await kubectlOk(cp.kubeconfigPath, ["get", "pods", "-l", `app.kubernetes.io/instance=${NAME}`, "-o", "json"])) as {
    items: Array<{ metadata: { name: string }; status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }>;
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    ip: p.status?.podIP ?? "",
    ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
  }));
}

async function main(): Promise<number> {
  let cp: ControlPlane | undefined;
  let sim: SimKubelet | undefined;
  let operator: ChildProcess | undefined;
  let clients: ClientProcess | undefined;
  const cleanup = async () => {
    await clients?.stop().catch(() => undefined);
    if (operator && operator.exitCode === null) {
      operator.kill("SIGTERM");
      await new Promise((r) => { operator!.once("exit", r); setTimeout(r, 5000).unref(); });
    }
    await sim?.stop().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    progress("stopping: viewers, operator, media nodes, control plane ...");
    void cleanup().then(() => {
      progress("stopped: nothing of the demo is left running");
      process.exit(0);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    progress("starting etcd, kube-apiserver, kube-controller-manager ...");
    cp = await startControlPlane();
    progress(`control plane ready at ${cp.server}; kubeconfig: ${cp.kubeconfigPath}`);
    await applyCrdAndWait(cp.kubeconfigPath, `${REPO_ROOT}/crds/mediaserver.yaml`);
    progress("CRD mediaservers.mediafleet.io established");

    sim = await startSimKubelet({ kubeconfigPath: cp.kubeconfigPath, nodeName: "demo-node", repoRoot: REPO_ROOT, log: (line) => progress(`kubelet: ${line}`) });
    progress("local kubelet registered node demo-node");

    const [metricsPort, healthPort] = [await freeTcpPort(), await freeTcpPort()];
    operator = spawn(process.execPath, [`${REPO_ROOT}/dist/operator/main.js`], {
      env: {
        ...process.env, KUBECONFIG: cp.kubeconfigPath, LEADER_ELECT: "true", LEASE_NAMESPACE: "default",
        METRICS_ADDR: `127.0.0.1:${metricsPort}`, HEALTH_ADDR: `127.0.0.1:${healthPort}`, LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    await waitUntil("the operator to be ready", async () => ((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok ? true : undefined), 30_000);
    progress(`operator ready (metrics http://127.0.0.1:${metricsPort}/metrics)`);

    const kc = cp.kubeconfigPath;
    const operatorMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    const recorder = new TimelineRecorder(Date.now());
    const rows = () => podRows(kc, NAME, operatorMetrics);
    const watch = async (what: string, done: () => Promise<boolean>, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      let lastTable = 0;
      for (;;) {
        const current = await rows();
        recorder.record(current);
        if (Date.now() - lastTable >= 6000) {
          process.stdout.write(`\n[${recorder.now().toFixed(0)} s] ${what}\n${formatTable(current)}\n`);
          lastTable = Date.now();
        }
        if (await done()) return;
        if (interrupted) throw new Error("interrupted");
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    const status = async () => JSON.parse(await kubectlOk(kc, ["get", "msrv", NAME, "-o", "json"])) as { status?: Record<string, any> };

    await kubectlOk(kc, ["apply", "-f", `${REPO_ROOT}/examples/mediaserver-demo.yaml`]);
    recorder.mark("apply good");
    progress("applied examples/mediaserver-demo.yaml (image good); waiting for 2 ready media nodes ...");
    const ready = await waitUntil("2 ready media nodes", async () => {
      const current = await pods(cp!);
      return current.filter((r) => r.ready && r.ip).length >= 2 ? current : undefined;
    }, 120_000);
    process.stdout.write(await kubectlOk(kc, ["get", "mediaservers,deployments,pods,services", "-o", "wide"]));

    clients = await startClientProcess();
    const connect = async (targets: Array<{ name: string; ip: string }>, perPod: number, tag: string) => {
      const ids: string[] = [];
      for (const target of targets) {
        for (let i = 0; i < perPod; i++) {
          const id = `${tag}-${target.name}-${i + 1}`;
          const created = await clients!.view({ id, url: `http://${target.ip}:8117/load/whep` });
          if (created.status !== 201) throw new Error(`WHEP ${id} answered ${created.status}: ${created.body}`);
          ids.push(id);
        }
      }
      for (const id of ids) await clients!.waitConnected(id, 30_000);
      return ids;
    };
    const fleetViewers = await connect(ready.filter((r) => r.ready), viewerCount, "viewer");
    progress(`${fleetViewers.length} WHEP viewers connected, ${viewerCount} on each media node; receiving for 3 s ...`);
    await new Promise((r) => setTimeout(r, 3000));
    let received = 0;
    for (const id of fleetViewers) received += (await clients.report(id)).packets.length;
    process.stdout.write(`\nviewers received ${received} RTP packets in 3 s\n`);
    if (received === 0) throw new Error("no RTP packet reached the viewers");
    process.stdout.write("(each pod serves the viewers connected to it: serving one stream from every pod of a MediaServer comes with relaying, not yet)\n");

    await watch("first revision: baking (no last good revision to compare with yet)", async () => (await status()).status?.lastGoodImage !== undefined, 120_000);
    recorder.mark("good is last good");
    progress("good is the last good revision; rolling out leaky (per-viewer NACK copies, 16384 packets deep) ...");

    const rolloutAt = Date.now();
    await kubectlOk(kc, ["patch", "msrv", NAME, "--type=merge", "-p", JSON.stringify({ spec: { image: "ghcr.io/mediafleet/media-node:leaky" } })]);
    recorder.mark("rollout leaky");
    let canaryViewers: string[] = [];
    await watch("canary (leaky) and baseline (good) starting beside the untouched fleet", async () => {
      const current = await rows();
      const extra = current.filter((r) => (r.role === "canary" || r.role === "baseline") && r.ready && r.ip);
      if (extra.length < 2) return false;
      recorder.mark("canary + baseline Ready");
      canaryViewers = await connect(extra, viewerCount + 1, "new");
      progress(`${canaryViewers.length} new sessions: ${viewerCount + 1} on the canary, ${viewerCount + 1} on the baseline`);
      return true;
    }, 120_000);
    await watch("the operator scrapes and judges the canary against the baseline", async () => ["Failed", "Passed", "Inconclusive"].includes((await status()).status?.analysis?.phase ?? ""), 180_000);
    const final = await status();
    recorder.mark(final.status?.analysis?.phase === "Failed" ? "rolled back" : `analysis ${final.status?.analysis?.phase}`, Date.parse(final.status?.analysis?.finishedAt ?? new Date().toISOString()));
    await watch("after the decision", async () => (await rows()).every((r) => r.role === "stable"), 60_000);
    await clients.stop();
    clients = undefined;

    process.stdout.write(`\n== report\n${rollbackReport(final as never, rolloutAt)}\n`);
    mkdirSync(`${REPO_ROOT}/demo-results`, { recursive: true });
    const plotPath = `${REPO_ROOT}/demo-results/rollback-${new Date().toISOString().replace(/[:.]/g, "-")}.svg`;
    writeFileSync(plotPath, renderTimeline({ title: "a leaky revision on one canary pod, judged against a fresh baseline: rolled back", series: recorder.all(), markers: recorder.markers }));
    process.stdout.write(`plot:               ${plotPath}\n`);
    process.stdout.write(`\n$ kubectl get msrv\n${await kubectlOk(kc, ["get", "msrv", "-o", "wide"])}`);
    process.stdout.write(`\n$ kubectl describe msrv ${NAME}\n${await kubectlOk(kc, ["describe", "msrv", NAME])}`);
    const player = (await pods(cp)).find((r) => r.ready && r.ip);
    process.stdout.write(`\nopen the player:    http://${player?.ip}:8117/${NAME}/\n`);
    process.stdout.write(`publish a camera:   http://${player?.ip}:8117/cam/publish\n`);
    process.stdout.write(`kubectl:            KUBECONFIG=${kc} ${KUBECTL} get msrv\n`);
    if (final.status?.analysis?.phase !== "Failed") throw new Error(`the leaky revision was not rolled back: ${final.status?.analysis?.phase} ${final.status?.analysis?.message}`);
    if (once) return 0;

    progress("running; a table every 10 s; Ctrl-C stops everything");
    for (;;) {
      await new Promise((r) => setTimeout(r, 10_000));
      if (interrupted) return 0;
      process.stdout.write(`\n${formatTable(await rows())}\n`);
    }
  } catch (error) {
    progress(`failed: ${(error as Error).message}`);
    return 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

process.exitCode = await main();

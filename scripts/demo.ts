/**
 * `npm start`: mediafleet on an embedded default, all on this machine's loopback.
 *
 *   real kube-apiserver + etcd + kube-controller-manager  (test/cluster)
 *   the operator (dist/operator/main.js, leader election on)
 *   a local kubelet that runs each Pod as a media-node process on its own 127.x address (test/sim)
 *   examples/mediaserver-demo.yaml: 2 media nodes, a test-pattern stream on path "demo"
 *   a werift WHEP viewer in another process, proving that packets flow
 *
 * Flags: --once (verify, print, tear down, exit 0/1 — used by the tests), --viewers N (default 3).
 * Without --once it keeps running and prints a table every 10 s until Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../test/cluster/controlPlane.js";
import { kubectlOk, waitUntil } from "../test/cluster/kubectl.js";
import { freeTcpPort } from "../test/support/media-node.js";
import { startSimKubelet, type SimKubelet } from "../test/sim/kubelet.js";
import { startClientProcess, type ClientProcess } from "../test/support/clients.js";

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

async function podMetric(ip: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${ip}:9998/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name + " ") || line.startsWith(name + "{"))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

async function printTable(rows: PodRow[]): Promise<void> {
  const lines = ["| pod | IP | ready | viewers | RTP packets sent | retransmitted | sender reports |", "|---|---|---|---|---|---|---|"];
  for (const row of rows) {
    const m = (name: string) => (row.ip ? podMetric(row.ip, name).catch(() => NaN) : Promise.resolve(NaN));
    const [viewers, sent, rtx, srs] = await Promise.all([
      m("mediafleet_viewers"), m("mediafleet_rtp_packets_sent_total"), m("mediafleet_rtp_retransmitted_packets_total"), m("mediafleet_rtcp_sender_reports_total"),
    ]);
    lines.push(`| ${row.name} | ${row.ip} | ${row.ready ? "yes" : "no"} | ${viewers} | ${sent} | ${rtx} | ${srs} |`);
  }
  process.stdout.write(lines.join("\n") + "\n");
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
    void cleanup().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    progress("starting etcd, kube-apiserver, kube-controller-manager ...");
    cp = await startControlPlane();
    progress(`control plane ready at ${cp.server}; kubeconfig: ${cp.kubeconfigPath}`);
    await kubectlOk(cp.kubeconfigPath, ["apply", "--server-side", "-f", `${REPO_ROOT}/crds/mediaserver.yaml`]);
    await waitUntil("the CRD to be established", async () => {
      const status = await kubectlOk(cp!.kubeconfigPath, ["get", "crd/mediaservers.mediafleet.io", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"]);
      return status.trim() === "True" ? true : undefined;
    }, 30_000);
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

    await kubectlOk(cp.kubeconfigPath, ["apply", "-f", `${REPO_ROOT}/examples/mediaserver-demo.yaml`]);
    progress("applied examples/mediaserver-demo.yaml; waiting for 2 ready media nodes ...");
    const ready = await waitUntil("2 ready media nodes", async () => {
      const rows = await pods(cp!);
      return rows.filter((r) => r.ready && r.ip).length >= 2 ? rows : undefined;
    }, 120_000);
    process.stdout.write(await kubectlOk(cp.kubeconfigPath, ["get", "mediaservers,deployments,pods,services", "-o", "wide"]));

    const target = ready.find((r) => r.ready)!;
    clients = await startClientProcess();
    for (let i = 0; i < viewerCount; i++) {
      const id = `viewer-${i + 1}`;
      const created = await clients.view({ id, url: `http://${target.ip}:8117/${NAME}/whep` });
      if (created.status !== 201) throw new Error(`WHEP ${id} answered ${created.status}: ${created.body}`);
      await clients.waitConnected(id, 20_000);
    }
    progress(`${viewerCount} WHEP viewers connected to ${target.name}; receiving for 5 s ...`);
    await new Promise((r) => setTimeout(r, 5000));
    let received = 0;
    for (let i = 0; i < viewerCount; i++) received += (await clients.report(`viewer-${i + 1}`)).packets.length;
    await printTable(await pods(cp));
    process.stdout.write(`\nviewers received ${received} RTP packets in 5 s from ${target.name}\n`);
    process.stdout.write(`open the player:    http://${target.ip}:8117/${NAME}/\n`);
    process.stdout.write(`publish a camera:   http://${target.ip}:8117/cam/publish\n`);
    process.stdout.write(`kubectl:            KUBECONFIG=${cp.kubeconfigPath} kubectl get msrv\n`);
    if (received === 0) throw new Error("no RTP packet reached the viewers");
    if (once) return 0;

    progress("running; a table every 10 s; Ctrl-C stops everything");
    for (;;) {
      await new Promise((r) => setTimeout(r, 10_000));
      if (interrupted) return 0;
      await printTable(await pods(cp));
    }
  } catch (error) {
    progress(`failed: ${(error as Error).message}`);
    return 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

process.exitCode = await main();

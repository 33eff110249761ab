/**
 * The user's path, for real: `helm install` the chart into a real control plane and the
 * operator runs as the chart's pods. The sim kubelet runs them as it runs media pods, with what
 * a kubelet gives a pod: the service-account token from the TokenRequest API, the cluster CA
 * and namespace at /var/run/secrets/kubernetes.io/serviceaccount (bind-mounted in a private
 * mount namespace: client-node reads that fixed path), and KUBERNETES_SERVICE_HOST/PORT. So the
 * operator works with exactly the chart's RBAC, and a missing verb fails here.
 *
 * 1. helm install of the previous release (0.2.0: its chart and its operator build, from git
 *    history, see support/previousRelease.ts) with a MediaServer fleet;
 * 2. helm upgrade to this chart: its pre-upgrade hook upgrades the CRD (Helm never upgrades
 *    crds/), the operator pods are replaced, and no media pod restarts because of it;
 * 3. the leading operator pod frozen (SIGSTOP): the other takes over within the lease and
 *    reconciles, the old one steps down; the leader deleted: it hands over at once;
 * 4. a rollout good -> good2 under the chart's RBAC: canary and baseline Deployments, the
 *    generated pprof token Secret, scrapes of both, promotion.
 * There is no container runtime: images map to builds (test/sim/images.yaml; the 0.2.0 operator
 * image to the 0.2.0 build, every other image to this checkout's build).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { ensureClusterBinaries, startControlPlane, type ControlPlane } from "../cluster/controlPlane.js";
import { startSimKubelet, type SimKubelet } from "../sim/kubelet.js";
import { REPO_ROOT } from "../integration/operatorSupport.js";
import { previousReleaseBuild, PREVIOUS_RELEASE, type ReleaseBuild } from "./support/previousRelease.js";
import { startClientProcess, type ClientProcess } from "../support/clients.js";
import { connectViewers, IMAGE, kubectl, kubectlJson, mediaServerYaml, podsOf, readyPods, waitFor, waitStatus } from "./support/rollout.js";

const NAMESPACE = "mediafleet-system";
const RELEASE = "mf";
const CHART = join(REPO_ROOT, "charts/mediafleet");
const LEASE = "mediafleet-operator";
const LEASE_DURATION_S = 4;
const FAST_LEASE = [`leaderElection.leaseDuration=${LEASE_DURATION_S}s`, "leaderElection.renewDeadline=3s", "leaderElection.retryPeriod=1s"];
const FLEET = "fleet";

let cp: ControlPlane | undefined;
let sim: SimKubelet | undefined;
let helmBin = "";
let previous: ReleaseBuild;
let clients: ClientProcess | undefined;
const helmHome = mkdtempSync(join(tmpdir(), "mediafleet-helm-e2e-"));
const kc = () => cp!.kubeconfigPath;

function helm(args: string[], timeoutMs = 240_000): Promise<string> {
  const env = {
    ...process.env,
    KUBECONFIG: kc(),
    HELM_CACHE_HOME: join(helmHome, "cache"),
    HELM_CONFIG_HOME: join(helmHome, "config"),
    HELM_DATA_HOME: join(helmHome, "data"),
  };
  return new Promise((resolve, reject) => {
    execFile(helmBin, args, { cwd: REPO_ROOT, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`helm ${args.join(" ")} failed: ${error.message}\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

interface OperatorPod { name: string; uid: string; ready: boolean; image: string; version: string }

async function operatorPods(): Promise<OperatorPod[]> {
  const list = await kubectlJson(kc(), ["-n", NAMESPACE, "get", "pods", "-l", `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=operator`]);
  return (list.items as any[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      ready: p.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") ?? false,
      image: p.spec.containers[0].image,
      version: p.metadata.labels?.["app.kubernetes.io/version"] ?? "",
    }));
}

async function readyOperators(version: string, count: number, timeoutMs: number): Promise<OperatorPod[]> {
  return waitFor(`${count} Ready operator pods of version ${version}`, async () => {
    const pods = await operatorPods();
    const ready = pods.filter((p) => p.ready && p.version === version);
    return ready.length === count && pods.length === count ? ready : undefined;
  }, timeoutMs, 250);
}

const leaseHolder = async () => (await kubectlJson(kc(), ["-n", NAMESPACE, "get", "lease", LEASE])).spec?.holderIdentity as string | undefined;

/** Every line of the release's pod logs that says the API server refused the operator something. */
function forbiddenLines(): string[] {
  const logs = join(sim!.dir, "logs");
  return readdirSync(logs)
    .filter((file) => file.startsWith(`${NAMESPACE}_`))
    .flatMap((file) => readFileSync(join(logs, file), "utf8").split("\n"))
    .filter((line) => /forbidden|\b403\b/i.test(line))
    .map((line) => line.slice(0, 300));
}

/** The media pods of the fleet: name -> uid and restarts, to prove nothing restarted. */
async function mediaPodIdentity(): Promise<Record<string, string>> {
  const list = await kubectlJson(kc(), ["get", "pods", "-l", `app.kubernetes.io/instance=${FLEET}`]);
  return Object.fromEntries((list.items as any[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => [p.metadata.name, `${p.metadata.uid} restarts=${p.status?.containerStatuses?.[0]?.restartCount ?? "?"}`]));
}

before(async () => {
  helmBin = (await ensureClusterBinaries()).helm;
  previous = previousReleaseBuild();
  cp = await startControlPlane();
  sim = await startSimKubelet({ kubeconfigPath: cp.kubeconfigPath, nodeName: "helm-node", repoRoot: REPO_ROOT, podIpPrefix: "127.33", maxGraceMs: 3000, imageMapPath: previous.imageMapPath });
}, { timeout: 3_600_000 });

after(async () => {
  const debugDir = process.env.ROLLOUT_DEBUG_DIR;
  if (debugDir && sim) {
    const { cpSync } = await import("node:fs");
    cpSync(`${sim.dir}/logs`, `${debugDir}/pods`, { recursive: true });
  }
  await clients?.stop().catch(() => undefined);
  await sim?.stop().catch(() => undefined);
  await cp?.stop().catch(() => undefined);
  rmSync(helmHome, { recursive: true, force: true });
  if (previous) rmSync(previous.imageMapPath, { force: true });
});

test("helm install of the previous release (0.2.0): two operator pods from the chart, one leads, a MediaServer's fleet runs", { timeout: 240_000 }, async () => {
  await helm(["install", RELEASE, previous.chart, "--namespace", NAMESPACE, "--create-namespace", ...FAST_LEASE.flatMap((s) => ["--set", s]), "--wait", "--timeout", "3m"]);
  const pods = await readyOperators(PREVIOUS_RELEASE.version, 2, 60_000);
  const holder = await waitFor("a lease holder", leaseHolder, 30_000, 250);
  assert.ok(pods.some((p) => p.name === holder), `the lease is held by an operator pod (${holder})`);

  await kubectl(kc(), ["apply", "-f", "-"], mediaServerYaml(FLEET, IMAGE("good"), { replicas: 2 }));
  await readyPods(kc(), FLEET, "stable", 2, 120_000);
});

test("helm upgrade to this chart: the hook upgrades the CRD first, new operator pods take over, no media pod restarts", { timeout: 300_000 }, async () => {
  const before = await mediaPodIdentity();
  assert.equal(Object.keys(before).length, 2);
  const crdFile = parse(readFileSync(join(REPO_ROOT, "crds/mediaserver.yaml"), "utf8"));

  await helm(["upgrade", RELEASE, CHART, "--namespace", NAMESPACE, ...FAST_LEASE.flatMap((s) => ["--set", s]), "--wait", "--timeout", "4m"]);
  const version = parse(readFileSync(join(CHART, "Chart.yaml"), "utf8")).appVersion as string;
  const pods = await readyOperators(version, 2, 90_000);

  // The live CRD is now the one this build generates (the hook applied it), field by field.
  const live = await kubectlJson(kc(), ["get", "crd", "mediaservers.mediafleet.io", "--show-managed-fields"]);
  assert.deepEqual(live.spec.versions, crdFile.spec.versions.map((v: any) => ({ ...v })), "served CRD = crds/mediaserver.yaml");
  const managers = (live.metadata.managedFields as any[]).map((f) => f.manager);
  assert.ok(managers.includes("mediafleet-crd-upgrade"), `the hook applied it (managers: ${managers.join(", ")})`);
  const jobs = await kubectlJson(kc(), ["-n", NAMESPACE, "get", "jobs"]);
  assert.deepEqual(jobs.items.map((j: any) => j.metadata.name), [], "the hook's Job is deleted once it succeeded");

  // The new operator leads and reconciles: the fleet is baked as the last good revision.
  await waitFor("a new pod holds the lease", async () => { const holder = await leaseHolder(); return pods.some((p) => p.name === holder); }, 30_000, 250);
  await waitStatus(kc(), FLEET, "lastGoodImage good", (ms) => ms.status?.lastGoodImage === IMAGE("good"), 90_000);
  // A few resyncs of the new operator later, the same media pods, never restarted.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  assert.deepEqual(await mediaPodIdentity(), before, "an operator upgrade restarts no media pod");
  assert.deepEqual(forbiddenLines(), [], "the operator never hit a missing permission");
});

test("the leader stops renewing (frozen, as on a partitioned node): the other pod takes over within the lease duration; the old one steps down", { timeout: 120_000 }, async () => {
  const holder = (await leaseHolder())!;
  const pids = sim!.pids(NAMESPACE, holder);
  assert.ok(pids.length > 0, `the sim runs ${holder}`);
  const frozenAt = Date.now();
  // SIGKILL would not do: the kubelet restarts the container at once under the same identity,
  // which rightly takes its own unexpired lease back. A frozen leader is the case that matters.
  for (const pid of pids) process.kill(-pid, "SIGSTOP");
  let next: string;
  try {
    next = await waitFor("another pod holds the lease", async () => {
      const now = await leaseHolder();
      return now && now !== holder ? now : undefined;
    }, (LEASE_DURATION_S + 6) * 1000, 100);
  } finally {
    for (const pid of pids) process.kill(-pid, "SIGCONT");
  }
  const failoverMs = Date.now() - frozenAt;
  process.stdout.write(`# operator pod failover from a frozen leader: ${failoverMs} ms (lease ${LEASE_DURATION_S} s, retry 1 s)\n`);
  assert.ok(failoverMs <= (LEASE_DURATION_S + 3) * 1000, `took over after ${failoverMs} ms`);

  // Woken up, the old leader finds the lease gone and exits (restarted as a standby) instead of
  // writing as a half-leader.
  await waitFor(`${holder} restarted as a standby`, async () => {
    const pod = await kubectlJson(kc(), ["-n", NAMESPACE, "get", "pod", holder]);
    return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
  }, 30_000, 250);
  assert.equal(await leaseHolder(), next);

  await kubectl(kc(), ["scale", `msrv/${FLEET}`, "--replicas=3"]);
  await waitFor("the new leader applies the scale", async () => (await kubectlJson(kc(), ["get", "deployment", FLEET])).spec.replicas === 3, 20_000, 250);
  await readyPods(kc(), FLEET, "stable", 3, 60_000);
});

test("kubectl delete of the leading operator pod: it hands the lease over on SIGTERM, the other leads at once", { timeout: 120_000 }, async () => {
  const holder = (await leaseHolder())!;
  const deletedAt = Date.now();
  await kubectl(kc(), ["-n", NAMESPACE, "delete", "pod", holder, "--wait=false"]);
  const next = await waitFor("another pod holds the lease", async () => {
    const now = await leaseHolder();
    return now && now !== holder ? now : undefined;
  }, LEASE_DURATION_S * 1000, 100);
  const handoverMs = Date.now() - deletedAt;
  process.stdout.write(`# operator pod handover on delete: ${handoverMs} ms\n`);
  assert.ok(handoverMs < LEASE_DURATION_S * 1000, `handed over in ${handoverMs} ms, without waiting out the lease`);
  assert.notEqual(next, holder);
  await readyOperators(parse(readFileSync(join(CHART, "Chart.yaml"), "utf8")).appVersion, 2, 60_000);
});

test("under the chart's RBAC: a rollout good -> good2 runs canary + baseline, scrapes both with the generated pprof token, and promotes", { timeout: 240_000 }, async () => {
  await kubectl(kc(), ["patch", "msrv", FLEET, "--type=merge", "-p", JSON.stringify({ spec: { image: IMAGE("good2"), replicas: 2 } })]);
  const [canary] = await readyPods(kc(), FLEET, "canary", 1, 90_000);
  const [baseline] = await readyPods(kc(), FLEET, "baseline", 1, 90_000);
  // Viewers on both: without load a per-viewer regression cannot show (ThinLoad), and at 6 each
  // the first major GC, from which a reading counts, comes within seconds.
  clients = await startClientProcess(30_000);
  await connectViewers(clients, [canary!, baseline!], 6);
  const secret = await kubectlJson(kc(), ["get", "secret", `${FLEET}-pprof-token`]);
  assert.ok(secret.data?.token, "the operator created the pprof token Secret");
  const ms = await waitStatus(kc(), FLEET, "good2 Passed", (m) => m.status?.analysis?.image === IMAGE("good2") && m.status.analysis.phase === "Passed", 120_000);
  assert.ok((ms.status.analysis.points ?? []).length >= 5, "rounds with both heap profiles were counted");
  await waitFor("the fleet on good2", async () => {
    const stable = (await podsOf(kc(), FLEET)).filter((p) => p.role === "stable" && p.ready && !p.deleting);
    return stable.length === 2 && stable.every((p) => p.image === IMAGE("good2"));
  }, 90_000, 500);
  assert.deepEqual(forbiddenLines(), [], "the operator never hit a missing permission");
});

/**
 * The Helm chart: helm lint, helm template (every object parses; RBAC is least privilege;
 * values.schema.json refuses bad values), then on a real control plane: server-side dry runs,
 * a real install, and `kubectl auth can-i` as the operator's ServiceAccount.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ensureClusterBinaries, startControlPlane, type ControlPlane } from "../cluster/controlPlane.js";
import { KUBECTL, waitCrdEstablished } from "../cluster/kubectl.js";
import { USAGE as OPERATOR_USAGE } from "../../operator/reconcile/operatorConfig.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHART = join(ROOT, "charts/mediafleet");
const NAMESPACE = "mediafleet-system";
let helmBin = "";
let cp: ControlPlane | undefined;
const helmHome = mkdtempSync(join(tmpdir(), "mediafleet-helm-"));

interface Run { code: number; stdout: string; stderr: string }
type Obj = Record<string, any>;

function run(bin: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, "cache"),
    HELM_CONFIG_HOME: join(helmHome, "config"),
    HELM_DATA_HOME: join(helmHome, "data"),
    ...(cp ? { KUBECONFIG: cp.kubeconfigPath } : {}),
  };
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok(bin: string, args: string[]): Promise<string> {
  const result = await run(bin, args);
  assert.equal(result.code, 0, `${bin} ${args.join(" ")} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** helm template -> the release's objects (hooks apart, see renderHooks); every document must parse and name apiVersion, kind, metadata.name. */
async function render(...set: string[]): Promise<Obj[]> {
  return (await renderAll(...set)).filter((o) => !o.metadata.annotations?.["helm.sh/hook"]);
}

/** The hook objects helm runs around an install or upgrade. */
async function renderHooks(...set: string[]): Promise<Obj[]> {
  return (await renderAll(...set)).filter((o) => o.metadata.annotations?.["helm.sh/hook"]);
}

async function renderAll(...set: string[]): Promise<Obj[]> {
  const text = await ok(helmBin, ["template", "mf", CHART, "--namespace", NAMESPACE, ...set.flatMap((s) => ["--set", s])]);
  const docs = parseAllDocuments(text);
  const objects: Obj[] = [];
  for (const doc of docs) {
    assert.deepEqual(doc.errors, [], "a rendered document is not valid YAML");
    const object = doc.toJS() as Obj | null;
    if (object === null) continue;
    assert.ok(object.apiVersion && object.kind && object.metadata?.name, `incomplete object: ${JSON.stringify(object).slice(0, 200)}`);
    objects.push(object);
  }
  return objects;
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: Obj[], kind: string) => {
  const found = byKind(objects, kind);
  assert.equal(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0]!;
};
const envOf = (deployment: Obj) => Object.fromEntries((deployment.spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

before(async () => {
  helmBin = (await ensureClusterBinaries()).helm;
}, { timeout: 3_600_000 });

after(async () => {
  await cp?.stop();
  rmSync(helmHome, { recursive: true, force: true });
});

test("helm lint --strict -> no findings, with default and with non-default values", async () => {
  await ok(helmBin, ["lint", "--strict", CHART]);
  await ok(helmBin, ["lint", "--strict", CHART, "--set", "watchNamespace=media,leaderElection.enabled=false,replicas=1"]);
});

test("helm template -> the operator objects, each parsed, all in the release namespace", async () => {
  const objects = await render();
  assert.deepEqual(objects.map((o) => o.kind).sort(), ["ClusterRole", "ClusterRoleBinding", "Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount"]);
  for (const o of objects.filter((o) => !o.kind.startsWith("Cluster"))) assert.equal(o.metadata.namespace, NAMESPACE, `${o.kind} namespace`);
  for (const o of objects) assert.equal(o.metadata.labels["app.kubernetes.io/part-of"], "mediafleet");
});

test("operator Deployment: 2 replicas, node entrypoint, probes on :8081, metrics :8080, leader election env, non-root", async () => {
  const deployment = one(await render(), "Deployment");
  assert.equal(deployment.spec.replicas, 2);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  assert.deepEqual(container.command, ["node", "/app/dist/operator/main.js"]);
  assert.deepEqual(container.ports.map((p: Obj) => [p.name, p.containerPort]), [["metrics", 8080], ["health", 8081]]);
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(container.readinessProbe.httpGet.port, "health");
  const env = envOf(deployment);
  assert.equal(env.LEADER_ELECT, "true");
  assert.equal(env.LEASE_NAMESPACE, NAMESPACE);
  assert.equal(env.LEASE_NAME, "mediafleet-operator");
  assert.equal(env.LEASE_DURATION, "15s");
  // Every variable the chart sets must be one the operator reads (its --help lists them).
  const understood = new Set([...OPERATOR_USAGE.matchAll(/env ([A-Z_]+)/g)].map((m) => m[1]!).concat(["POD_NAME", "POD_NAMESPACE", "KUBECONFIG"]));
  for (const name of Object.keys(env)) assert.ok(understood.has(name), `the chart sets ${name}, which the operator does not read`);
  assert.deepEqual(env.POD_NAME, { fieldRef: { fieldPath: "metadata.name" } });
  assert.equal(env.WATCH_NAMESPACE, "");
  assert.equal(env.METRICS_ADDR, ":8080");
  assert.equal(env.HEALTH_ADDR, ":8081");
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
  assert.equal(pod.serviceAccountName, one(await render(), "ServiceAccount").metadata.name);
});

test("ClusterRole: exactly the verbs the operator uses, no wildcards, Secrets get and create only", async () => {
  const rules = one(await render(), "ClusterRole").rules as Obj[];
  const flat = rules.flatMap((r) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g || "core"}/${res}:${v}`)))).sort();
  for (const entry of flat) assert.doesNotMatch(entry, /\*/);
  const expected = [
    ...["get", "list", "watch", "patch", "update"].map((v) => `mediafleet.io/mediaservers:${v}`),
    ...["get", "patch", "update"].map((v) => `mediafleet.io/mediaservers/status:${v}`),
    "mediafleet.io/mediaservers/scale:get",
    ...["configmaps", "services"].flatMap((res) => ["get", "list", "watch", "create", "patch", "update", "delete"].map((v) => `core/${res}:${v}`)),
    ...["get", "list", "watch", "create", "patch", "update", "delete"].map((v) => `apps/deployments:${v}`),
    ...["get", "list", "watch"].map((v) => `core/pods:${v}`),
    "core/events:create", "core/events:patch", "events.k8s.io/events:create", "events.k8s.io/events:patch",
    "core/secrets:get", "core/secrets:create",
    ...["list", "watch", "create", "patch"].map((v) => `networking.k8s.io/networkpolicies:${v}`),
  ].sort();
  assert.deepEqual(flat, expected);
  const secrets = (one(await render(), "ClusterRole").rules as Obj[]).filter((r) => r.resources.includes("secrets"));
  assert.deepEqual(secrets.flatMap((r) => r.verbs).sort(), ["create", "get"], "Secrets: get and create only, never list or watch");
});

test("CRD upgrade hook: pre-upgrade only, a Job running the image's crdUpgrade.js on /app/crds, allowed get/patch on the MediaServer CRD and nothing else; off with crds.upgrade=false", async () => {
  const hooks = await renderHooks();
  assert.deepEqual(hooks.map((o) => o.kind).sort(), ["ClusterRole", "ClusterRoleBinding", "Job", "ServiceAccount"]);
  for (const o of hooks) {
    assert.equal(o.metadata.annotations["helm.sh/hook"], "pre-upgrade", `${o.kind} runs before an upgrade only (helm installs crds/ itself)`);
    assert.match(o.metadata.annotations["helm.sh/hook-delete-policy"], /hook-succeeded/);
  }
  const job = one(hooks, "Job");
  const weight = (kind: string) => Number(one(hooks, kind).metadata.annotations["helm.sh/hook-weight"]);
  assert.ok(weight("ServiceAccount") < weight("Job") && weight("ClusterRoleBinding") < weight("Job"), "RBAC exists before the Job runs");
  const pod = job.spec.template.spec;
  assert.deepEqual(pod.containers[0].command, ["node", "/app/dist/operator/crdUpgrade.js", "/app/crds"]);
  assert.equal(pod.containers[0].image, one(await render(), "Deployment").spec.template.spec.containers[0].image, "the CRD comes from the operator's own image");
  assert.equal(pod.serviceAccountName, one(hooks, "ServiceAccount").metadata.name);
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(one(hooks, "ClusterRole").rules, [
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], resourceNames: ["mediaservers.mediafleet.io"], verbs: ["get", "patch"] },
  ]);
  assert.deepEqual(await renderHooks("crds.upgrade=false"), []);
});

test("leases: a namespaced Role in the release namespace only; none without leader election", async () => {
  const objects = await render();
  const role = one(objects, "Role");
  assert.equal(role.metadata.namespace, NAMESPACE);
  assert.deepEqual(role.rules, [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }]);
  const binding = byKind(objects, "RoleBinding").find((b) => b.roleRef.kind === "Role")!;
  assert.equal(binding.roleRef.name, role.metadata.name);
  const off = await render("leaderElection.enabled=false");
  assert.equal(byKind(off, "Role").length, 0);
  assert.equal(envOf(one(off, "Deployment")).LEADER_ELECT, "false");
});

test("watchNamespace -> the ClusterRole bound by a RoleBinding in that namespace, no ClusterRoleBinding", async () => {
  const objects = await render("watchNamespace=media");
  assert.equal(byKind(objects, "ClusterRoleBinding").length, 0);
  const binding = byKind(objects, "RoleBinding").find((b) => b.roleRef.kind === "ClusterRole")!;
  assert.equal(binding.metadata.namespace, "media");
  assert.equal(binding.subjects[0].namespace, NAMESPACE);
  assert.equal(envOf(one(objects, "Deployment")).WATCH_NAMESPACE, "media");
});

test("values.schema.json refuses negative replicas, an unknown log level, an unknown key", async () => {
  for (const [set, expected] of [["replicas=-1", /replicas/], ["logLevel=loud", /logLevel/], ["replicaz=2", /replicaz/]] as const) {
    const result = await run(helmBin, ["template", "mf", CHART, "--set", set]);
    assert.notEqual(result.code, 0, `--set ${set} was accepted`);
    assert.match(result.stderr, expected);
  }
});

test("helm template --include-crds -> the generated CRD, identical to crds/mediaserver.yaml", async () => {
  const text = await ok(helmBin, ["template", "mf", CHART, "--include-crds"]);
  const crd = parseAllDocuments(text).map((d) => d.toJS() as Obj | null).find((o) => o?.kind === "CustomResourceDefinition");
  const generated = parseAllDocuments(readFileSync(join(ROOT, "crds/mediaserver.yaml"), "utf8"))[0]!.toJS();
  assert.deepEqual(crd, generated);
});

test("real API server: dry runs, helm install, and the ServiceAccount can do exactly what the operator needs", { timeout: 300_000 }, async () => {
  cp = await startControlPlane();
  const kubectl = KUBECTL;
  await ok(kubectl, ["create", "namespace", NAMESPACE]);
  await ok(kubectl, ["apply", "--dry-run=server", "-f", "crds/"]);
  const dry = await ok(helmBin, ["install", "mf", CHART, "--namespace", NAMESPACE, "--dry-run=server"]);
  assert.match(dry, /STATUS: pending-install/);

  await ok(helmBin, ["install", "mf", CHART, "--namespace", NAMESPACE, "--wait=false"]);
  await waitCrdEstablished(cp.kubeconfigPath, "mediaservers.mediafleet.io");
  const deployment = JSON.parse(await ok(kubectl, ["-n", NAMESPACE, "get", "deployment", "mf-mediafleet", "-o", "json"]));
  assert.equal(deployment.spec.replicas, 2);

  const as = `system:serviceaccount:${NAMESPACE}:mf-mediafleet`;
  // "yes" or "no"; anything else (an unknown resource, an error) fails the comparison below.
  const can = async (verb: string, resource: string, ns = "default") =>
    (await run(kubectl, ["auth", "can-i", verb, resource, "--as", as, ...(ns ? ["-n", ns] : [])])).stdout.trim();
  const allowed: Array<[string, string, string?]> = [
    ["watch", "mediaservers.mediafleet.io"],
    ["patch", "mediaservers.mediafleet.io/status"],
    ["get", "mediaservers.mediafleet.io/scale"],
    ["create", "deployments.apps"],
    ["patch", "configmaps"],
    ["delete", "services"],
    ["list", "pods"],
    ["create", "events.events.k8s.io"],
    ["get", "secrets"],
    ["create", "secrets"],
    ["delete", "deployments.apps"],
    ["patch", "mediaservers.mediafleet.io"],
    ["update", "leases.coordination.k8s.io", NAMESPACE],
  ];
  const denied: Array<[string, string, string?]> = [
    ["delete", "mediaservers.mediafleet.io"],
    ["list", "secrets"],
    ["watch", "secrets"],
    ["update", "secrets"],
    ["delete", "secrets"],
    ["delete", "pods"],
    ["create", "pods"],
    ["update", "leases.coordination.k8s.io", "default"],
    ["create", "customresourcedefinitions.apiextensions.k8s.io", ""],
    ["create", "clusterroles.rbac.authorization.k8s.io", ""],
  ];
  for (const [verb, resource, ns] of allowed) assert.equal(await can(verb, resource, ns), "yes", `should be allowed: ${verb} ${resource}`);
  for (const [verb, resource, ns] of denied) assert.equal(await can(verb, resource, ns), "no", `should be denied: ${verb} ${resource}`);

  await ok(helmBin, ["uninstall", "mf", "--namespace", NAMESPACE]);
  const crdKept = await run(kubectl, ["get", "crd", "mediaservers.mediafleet.io"]);
  assert.equal(crdKept.code, 0, "helm keeps CRDs from crds/ on uninstall");
});

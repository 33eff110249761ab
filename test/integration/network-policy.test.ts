/**
 * Each MediaServer's NetworkPolicy against a real kube-apiserver + kube-controller-manager,
 * with the operator running as a ServiceAccount bound to the chart's own ClusterRole (so the
 * verbs the chart grants are the ones the operator needs): created with the right ports and
 * peers, changed with spec.observability.allowedNamespaces, restored when edited or deleted
 * by hand, and garbage-collected with its MediaServer.
 *
 * No network plugin runs here, so nothing enforces the policy; what is checked is the object
 * the API server stores (a plugin reads exactly that).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { ensureClusterBinaries, type ControlPlane } from "../cluster/controlPlane.js";
import { controlPlaneWithCrd, KUBECTL, kubectl, kubectlJson, REPO_ROOT, sampleMediaServer, startOperator, waitFor, waitReady, type OperatorProcess } from "./operatorSupport.js";

const OPERATOR_NS = "mediafleet-system";
const SA = "mf-operator";
let cp: ControlPlane;
let operator: OperatorProcess;
const kc = () => cp.kubeconfigPath;

interface Rule {
  from?: Array<{ namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: unknown; ipBlock?: unknown }>;
  ports?: Array<{ protocol: string; port: number }>;
}
interface Policy {
  metadata: { uid: string; ownerReferences?: Array<{ kind: string; uid: string; controller?: boolean }>; managedFields?: Array<{ manager: string }> };
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: Rule[] };
}

const portsOf = (rule: Rule) => (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`);
const namespacesOf = (rule: Rule) => (rule.from ?? []).map((peer) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]);
/** Ports some rule admits from every source (a rule without `from`). */
const openToAll = (policy: Policy) => policy.spec.ingress.filter((r) => r.from === undefined).flatMap(portsOf);
/** Ports -> namespaces admitted there by a rule with `from`. */
const restricted = (policy: Policy) => policy.spec.ingress.filter((r) => r.from !== undefined).map((r) => ({ ports: portsOf(r), namespaces: namespacesOf(r) }));

const policyOf = (name: string) => kubectlJson<Policy>(kc(), ["get", "networkpolicy", name, "--show-managed-fields"]);

function helmTemplateClusterRole(helm: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(helm, ["template", "mf", join(REPO_ROOT, "charts/mediafleet"), "--namespace", OPERATOR_NS], { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`helm template failed: ${stderr}`));
      const objects = parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any> | null);
      const role = objects.find((o) => o?.kind === "ClusterRole" && !o.metadata.annotations?.["helm.sh/hook"]);
      if (!role) return reject(new Error("the chart renders no ClusterRole for the operator"));
      resolve(role);
    });
  });
}

/** A kubeconfig that authenticates as the ServiceAccount, with a token from the TokenRequest API. */
async function serviceAccountKubeconfig(): Promise<string> {
  const token = (await kubectl(kc(), ["-n", OPERATOR_NS, "create", "token", SA, "--duration=2h"])).trim();
  const path = join(cp.dir, "operator-sa.kubeconfig");
  writeFileSync(path, JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server: cp.server, "certificate-authority": cp.caCertPath } }],
    users: [{ name: SA, user: { token } }],
    contexts: [{ name: "test", context: { cluster: "test", user: SA, namespace: "default" } }],
    "current-context": "test",
  }));
  return path;
}

before(async () => {
  const { helm } = await ensureClusterBinaries();
  cp = await controlPlaneWithCrd();
  for (const ns of [OPERATOR_NS, "monitoring"]) await kubectl(kc(), ["create", "namespace", ns]);
  // The chart's ClusterRole, bound cluster-wide to the operator's ServiceAccount as the chart binds it.
  const role = await helmTemplateClusterRole(helm);
  role.metadata = { name: "mf-operator" };
  await kubectl(kc(), ["apply", "-f", "-"], JSON.stringify(role));
  await kubectl(kc(), ["-n", OPERATOR_NS, "create", "serviceaccount", SA]);
  await kubectl(kc(), ["create", "clusterrolebinding", "mf-operator", "--clusterrole=mf-operator", `--serviceaccount=${OPERATOR_NS}:${SA}`]);
  operator = await startOperator({ kubeconfigPath: await serviceAccountKubeconfig(), env: { POD_NAMESPACE: OPERATOR_NS } });
  await waitReady(operator, 30_000);
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
});

test("the operator's ServiceAccount (chart ClusterRole) may list, watch, create and patch NetworkPolicies, and nothing more", async () => {
  const as = `system:serviceaccount:${OPERATOR_NS}:${SA}`;
  const can = async (verb: string) => {
    // `kubectl auth can-i` exits 1 for "no"; its answer is on stdout either way.
    return new Promise<string>((resolve) => {
      execFile(KUBECTL, ["auth", "can-i", verb, "networkpolicies.networking.k8s.io", "--as", as, "-n", "default"], { env: { ...process.env, KUBECONFIG: kc() } }, (_error, stdout) => resolve(stdout.trim()));
    });
  };
  for (const verb of ["list", "watch", "create", "patch"]) assert.equal(await can(verb), "yes", `${verb} allowed`);
  for (const verb of ["get", "update", "delete", "deletecollection"]) assert.equal(await can(verb), "no", `${verb} denied`);
});

test("kubectl apply a MediaServer -> NetworkPolicy <name>: owned by it, its pods selected, media open to all, metrics and pprof only from the operator's namespace", async () => {
  await kubectl(kc(), ["apply", "-f", "-"], sampleMediaServer("np"));
  const ms = await kubectlJson(kc(), ["get", "msrv", "np"]);
  const policy = await waitFor("NetworkPolicy np", () => policyOf("np").catch(() => undefined), 10_000, 100);
  const owner = policy.metadata.ownerReferences?.[0];
  assert.equal(owner?.kind, "MediaServer");
  assert.equal(owner?.uid, ms.metadata.uid);
  assert.equal(owner?.controller, true);
  assert.ok(policy.metadata.managedFields?.some((f) => f.manager === "mediafleet-operator"), "applied by the operator's field manager");
  const deployment = await waitFor("Deployment np", () => kubectlJson(kc(), ["get", "deployment", "np"]).catch(() => undefined), 10_000, 100);
  assert.deepEqual(policy.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels);
  assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
  assert.deepEqual(openToAll(policy).sort(), ["TCP/8117", "UDP/8118"]);
  assert.deepEqual(restricted(policy), [{ ports: ["TCP/9998", "TCP/9999"], namespaces: [OPERATOR_NS] }]);
});

test("patch spec.observability.allowedNamespaces -> the policy admits those namespaces too, and stops when they are removed; no pod restarted", async () => {
  const template = JSON.stringify((await kubectlJson(kc(), ["get", "deployment", "np"])).spec.template);
  await kubectl(kc(), ["patch", "msrv", "np", "--type=merge", "-p", JSON.stringify({ spec: { observability: { allowedNamespaces: ["monitoring"] } } })]);
  const widened = await waitFor("monitoring admitted", async () => {
    const policy = await policyOf("np");
    return restricted(policy)[0]?.namespaces.includes("monitoring") ? policy : undefined;
  }, 10_000);
  assert.deepEqual(restricted(widened), [{ ports: ["TCP/9998", "TCP/9999"], namespaces: [OPERATOR_NS, "monitoring"] }]);
  assert.deepEqual(openToAll(widened).sort(), ["TCP/8117", "UDP/8118"]);
  await kubectl(kc(), ["patch", "msrv", "np", "--type=merge", "-p", JSON.stringify({ spec: { observability: { allowedNamespaces: [] } } })]);
  await waitFor("monitoring no longer admitted", async () => {
    const policy = await policyOf("np");
    return JSON.stringify(restricted(policy)) === JSON.stringify([{ ports: ["TCP/9998", "TCP/9999"], namespaces: [OPERATOR_NS] }]) ? policy : undefined;
  }, 10_000);
  assert.equal(JSON.stringify((await kubectlJson(kc(), ["get", "deployment", "np"])).spec.template), template, "allowedNamespaces is not part of the pods");
});

test("the API server refuses a duplicate or a malformed allowed namespace, naming the field", async () => {
  const refused = async (value: unknown) => {
    const error = await kubectl(kc(), ["patch", "msrv", "np", "--type=merge", "-p", JSON.stringify({ spec: { observability: { allowedNamespaces: value } } })]).then(() => undefined, (e: Error) => e);
    assert.ok(error, `allowedNamespaces ${JSON.stringify(value)} was accepted`);
    return error.message;
  };
  assert.match(await refused(["monitoring", "monitoring"]), /spec\.observability\.allowedNamespaces\[1\]: Duplicate value/);
  assert.match(await refused(["Monitoring"]), /spec\.observability\.allowedNamespaces\[0\]/);
});

test("someone opens the metrics and pprof ports to all in the policy, or deletes it -> the operator restores it", async () => {
  const before = await policyOf("np");
  const opened = [...before.spec.ingress, { ports: [{ protocol: "TCP", port: 9998 }, { protocol: "TCP", port: 9999 }] }];
  await kubectl(kc(), ["patch", "networkpolicy", "np", "--type=merge", "-p", JSON.stringify({ spec: { ingress: opened } })]);
  await waitFor("the open rule removed", async () => {
    const policy = await policyOf("np");
    return !openToAll(policy).includes("TCP/9999") && restricted(policy).length === 1 ? policy : undefined;
  }, 10_000);
  await kubectl(kc(), ["delete", "networkpolicy", "np", "--wait=true"]);
  const recreated = await waitFor("NetworkPolicy np recreated", async () => {
    const policy = await policyOf("np").catch(() => undefined);
    return policy && policy.metadata.uid !== before.metadata.uid ? policy : undefined;
  }, 10_000);
  assert.deepEqual(restricted(recreated), [{ ports: ["TCP/9998", "TCP/9999"], namespaces: [OPERATOR_NS] }]);
});

test("delete the MediaServer -> its NetworkPolicy is garbage-collected", async () => {
  assert.ok(await policyOf("np"), "the policy exists before its MediaServer goes");
  await kubectl(kc(), ["delete", "msrv", "np", "--wait=true"]);
  // The garbage collector re-reads discovery every 30 s before it can resolve a new CRD's owner references.
  await waitFor("NetworkPolicy np gone", async () => ((await kubectl(kc(), ["get", "networkpolicies", "-l", "app.kubernetes.io/instance=np", "-o", "name"])).trim() === "" ? true : undefined), 90_000, 250);
  assert.ok(operator.alive, "the operator is still running");
  assert.ok(!operator.logs.some((l) => l.level >= 50), `no error logs: ${JSON.stringify(operator.logs.filter((l) => l.level >= 50).slice(0, 3))}`);
  assert.ok(!operator.logs.some((l) => /forbidden/i.test(JSON.stringify(l))), "no request of the operator was forbidden by the chart's RBAC");
});

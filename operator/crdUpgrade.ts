/**
 * The CRD upgrade step: `node dist/operator/crdUpgrade.js /app/crds` server-side applies the
 * CRDs this image was built with, then waits until the API server serves them (Established).
 * Helm installs a chart's crds/ once and never upgrades them, so the chart runs this as a
 * pre-upgrade hook Job (charts/mediafleet/templates/crd-upgrade.yaml) under its own
 * ServiceAccount, allowed get and patch on mediaservers.mediafleet.io only; the operator
 * itself cannot touch CRDs.
 * Exit status: 0 applied and Established, 1 any failure (the hook fails, the upgrade stops
 * before the new operator runs), 2 bad usage.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";
import { GROUP } from "./api/types.js";
import { KubeClient, loadKubeConfig } from "./kube/client.js";
import type { KubeObject } from "./kube/objects.js";
import { CRDS } from "./kube/resources.js";

/** Its own field manager: `kubectl apply --server-side` by a user stays distinguishable. */
export const CRD_FIELD_MANAGER = "mediafleet-crd-upgrade";
const ESTABLISHED_TIMEOUT_MS = 60_000;

interface Condition { type?: string; status?: string; reason?: string; message?: string }

/**
 * Pure: YAML documents -> the CRDs to apply. Refuses anything that is not a CRD of this
 * project's API group, so a wrong path can never make the hook write something else.
 */
export function crdsFromYaml(text: string, source: string): KubeObject[] {
  const crds: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${source}: document ${index + 1}: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as Record<string, any> | null;
    if (object === null) return;
    const name = object.metadata?.name;
    if (object.apiVersion !== `${CRDS.group}/${CRDS.version}` || object.kind !== CRDS.kind) {
      throw new Error(`${source}: document ${index + 1} is ${object.kind ?? "no kind"} ${object.apiVersion ?? ""}, not a CustomResourceDefinition`);
    }
    if (object.spec?.group !== GROUP || typeof name !== "string" || !name.endsWith(`.${GROUP}`)) {
      throw new Error(`${source}: document ${index + 1} (${name}) is not a ${GROUP} CRD; this step applies only its own`);
    }
    // Written by the API server; an apply must not claim it.
    delete object.status;
    crds.push(object as KubeObject);
  });
  return crds;
}

/** Files given, or every .yaml/.yml in a directory given, in name order. */
export function crdFiles(paths: string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(path, f))
      : [path],
  );
}

/** Pure: the CRD's Established condition as one line, or undefined while it is not True. */
export function establishedAt(crd: KubeObject, generation: number | undefined): string | undefined {
  const conditions = ((crd.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
  const established = conditions.find((c) => c.type === "Established");
  const names = conditions.find((c) => c.type === "NamesAccepted");
  if (names?.status === "False") throw new Error(`${crd.metadata.name}: names not accepted: ${names.reason}: ${names.message}`);
  if (established?.status !== "True") return undefined;
  if (generation !== undefined && (crd.metadata.generation ?? 0) < generation) return undefined;
  return `${crd.metadata.name}: Established (generation ${crd.metadata.generation})`;
}

export async function upgradeCrds(kube: KubeClient, crds: KubeObject[], say: (line: string) => void, timeoutMs = ESTABLISHED_TIMEOUT_MS): Promise<void> {
  for (const crd of crds) {
    // force: Helm created the CRD (field manager "helm"); this step owns it from now on.
    const applied = await kube.apply(crd, { force: true, fieldManager: CRD_FIELD_MANAGER });
    say(`${crd.metadata.name}: applied, generation ${applied.metadata.generation}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = establishedAt(await kube.get<KubeObject>(CRDS, "", crd.metadata.name), applied.metadata.generation);
      if (line) {
        say(line);
        break;
      }
      if (Date.now() > deadline) throw new Error(`${crd.metadata.name}: not Established within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes("--help")) {
    process.stderr.write("usage: crdUpgrade.js <crd.yaml | directory>...\n  server-side applies this project's CRDs and waits until they are Established\n");
    return argv.includes("--help") ? 0 : 2;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const crds = crdFiles(argv).flatMap((file) => crdsFromYaml(readFileSync(file, "utf8"), file));
    if (crds.length === 0) throw new Error(`no CRD found in ${argv.join(" ")}`);
    await upgradeCrds(new KubeClient(loadKubeConfig()), crds, say);
    return 0;
  } catch (error) {
    process.stderr.write(`CRD upgrade failed: ${(error as Error).message}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}

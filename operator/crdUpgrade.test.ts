import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { crdFiles, crdsFromYaml, establishedAt } from "./crdUpgrade.js";

const SHIPPED = new URL("../crds/mediaserver.yaml", import.meta.url).pathname;

test("crdsFromYaml on the shipped crds/ -> the MediaServer CRD, without status", () => {
  const files = crdFiles([new URL("../crds", import.meta.url).pathname]);
  assert.deepEqual(files, [SHIPPED]);
  const crds = crdsFromYaml(readFileSync(SHIPPED, "utf8"), SHIPPED);
  assert.deepEqual(crds.map((c) => c.metadata.name), ["mediaservers.mediafleet.io"]);
  assert.equal("status" in crds[0]!, false);
});

test("crdsFromYaml refuses anything that is not this project's CRD, naming the document", () => {
  assert.throws(() => crdsFromYaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "f.yaml"), /f\.yaml: document 1 is ConfigMap v1, not a CustomResourceDefinition/);
  const other = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com}\n";
  assert.throws(() => crdsFromYaml(`---\n${other}`, "g.yaml"), /document 1 \(widgets\.example\.com\) is not a mediafleet\.io CRD/);
  assert.throws(() => crdsFromYaml("a: [", "h.yaml"), /h\.yaml: document 1:/);
  assert.deepEqual(crdsFromYaml("---\n---\n", "empty.yaml"), []);
});

test("establishedAt: True at (or past) the applied generation; NamesAccepted False fails at once", () => {
  const crd = (generation: number, conditions: unknown[]) => ({ metadata: { name: "m.mediafleet.io", generation }, status: { conditions } });
  assert.equal(establishedAt(crd(3, [{ type: "Established", status: "True" }]), 3), "m.mediafleet.io: Established (generation 3)");
  assert.equal(establishedAt(crd(2, [{ type: "Established", status: "True" }]), 3), undefined, "an older generation is not the one just applied");
  assert.equal(establishedAt(crd(3, [{ type: "Established", status: "False" }]), 3), undefined);
  assert.equal(establishedAt(crd(3, []), 3), undefined);
  assert.throws(() => establishedAt(crd(3, [{ type: "NamesAccepted", status: "False", reason: "ListKindConflict", message: "taken" }]), 3), /names not accepted: ListKindConflict: taken/);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mediaServerCrd } from "./crd.js";
import { normalizeSpec, validateSpec } from "./validate.js";

type Node = Record<string, any>;

test("spec.observability defaults to no namespace besides the operator's", () => {
  assert.deepEqual(normalizeSpec({ image: "media-node:1" }).observability, { allowedNamespaces: [] });
  assert.deepEqual(normalizeSpec({ image: "media-node:1", observability: { allowedNamespaces: ["monitoring"] } }).observability, { allowedNamespaces: ["monitoring"] });
});

test("spec.observability.allowedNamespaces: namespace names only, at most 16, no other key", () => {
  const problems = (observability: unknown) => {
    const result = validateSpec({ image: "media-node:1", observability });
    return result.ok ? [] : [...new Set(result.problems.map((p) => p.path))];
  };
  for (const bad of ["Monitoring", "kube_system", "-monitoring", "a".repeat(64), ""]) {
    assert.deepEqual(problems({ allowedNamespaces: [bad] }), ["spec.observability.allowedNamespaces[0]"], JSON.stringify(bad));
  }
  assert.deepEqual(problems({ allowedNamespaces: Array.from({ length: 17 }, (_, i) => `ns${i}`) }), ["spec.observability.allowedNamespaces"]);
  assert.deepEqual(problems({ allowedNamespaces: ["monitoring"], namespaces: ["x"] }), ["spec.observability.namespaces"]);
  assert.deepEqual(problems({ allowedNamespaces: ["monitoring", "kube-system", "a".repeat(63)] }), []);
});

test("CRD: allowedNamespaces is a set (the API server refuses duplicates), bounded for CEL cost", () => {
  const spec = (mediaServerCrd() as Node).spec.versions[0].schema.openAPIV3Schema.properties.spec as Node;
  const field = spec.properties.observability.properties.allowedNamespaces as Node;
  assert.equal(field["x-kubernetes-list-type"], "set");
  assert.equal(field.maxItems, 16);
  assert.equal(field.items.maxLength, 63);
});

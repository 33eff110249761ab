import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { pathSchema, webrtcSchema } from "../../media-node/config/schema.js";
import { mediaServerCrd, toStructural } from "./crd.js";
import { driftedFiles, GENERATED_CRD_FILES, renderCrdYaml } from "./gen.js";
import { CEL_RULES } from "./schema.js";
import { INLINE_TOKEN_FIELDS } from "./types.js";

type Node = Record<string, any>;
const crd = mediaServerCrd() as Node;
const version = crd.spec.versions[0] as Node;
const root = version.schema.openAPIV3Schema as Node;

function walk(node: unknown, visit: (node: Node, path: string) => void, path = ""): void {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, visit, `${path}[${i}]`));
  else if (node && typeof node === "object") {
    visit(node as Node, path);
    for (const [key, value] of Object.entries(node)) walk(value, visit, `${path}.${key}`);
  }
}

test("crds/mediaserver.yaml and the chart's copy equal the generator output (npm run gen:crds)", () => {
  assert.deepEqual(driftedFiles(), [], `regenerate with npm run gen:crds: ${GENERATED_CRD_FILES.join(", ")}`);
});

test("renderCrdYaml is deterministic and quotes YAML 1.1 booleans such as off", () => {
  const text = renderCrdYaml();
  assert.equal(text, renderCrdYaml());
  assert.match(text, /- "off"/);
  assert.deepEqual(parse(text), crd);
});

test("names: group mediafleet.io, v1alpha1, kind MediaServer, short name msrv, category mediafleet", () => {
  assert.equal(crd.metadata.name, "mediaservers.mediafleet.io");
  assert.equal(crd.spec.group, "mediafleet.io");
  assert.equal(version.name, "v1alpha1");
  assert.deepEqual(crd.spec.names, {
    kind: "MediaServer",
    listKind: "MediaServerList",
    plural: "mediaservers",
    singular: "mediaserver",
    shortNames: ["msrv"],
    categories: ["mediafleet"],
  });
});

test("status and scale subresources point at spec.replicas, status.replicas, status.selector", () => {
  assert.deepEqual(version.subresources, {
    status: {},
    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" },
  });
});

test("printer columns: Image, Ready, Status, Last Good, Age in the default view", () => {
  const shown = (version.additionalPrinterColumns as Node[]).filter((c) => !c.priority).map((c) => c.name);
  assert.deepEqual(shown, ["Image", "Ready", "Status", "Last Good", "Age"]);
});

test("the schema is structural: no additionalProperties:false, no $id, every property typed", () => {
  walk(root, (node, path) => {
    assert.notEqual(node.additionalProperties, false, `${path} has additionalProperties: false`);
    assert.equal(node.$id, undefined, `${path} has $id`);
    if (path.endsWith(".properties")) {
      for (const [name, sub] of Object.entries(node)) {
        const typed = (sub as Node).type !== undefined || (sub as Node)["x-kubernetes-int-or-string"] === true;
        assert.ok(typed, `${path}.${name} has no type`);
      }
    }
  });
});

test("spec.webrtc and spec.paths items are the media-node schemas (same fields, same defaults)", () => {
  const webrtc = root.properties.spec.properties.webrtc as Node;
  assert.deepEqual(Object.keys(webrtc.properties).sort(), Object.keys(webrtcSchema.properties).sort());
  assert.deepEqual(webrtc.properties.nack, toStructural(webrtcSchema.properties.nack));
  for (const [name, field] of Object.entries(webrtcSchema.properties)) {
    assert.deepEqual(webrtc.properties[name].default, toStructural((field as Node).default), `default of webrtc.${name}`);
  }
  const items = root.properties.spec.properties.paths.items as Node;
  // ...plus the Secret references that stand for a path's tokens in a MediaServer.
  assert.deepEqual(Object.keys(items.properties).sort(), [...Object.keys(pathSchema.properties), "publishTokenSecret", "readTokenSecret"].sort());
});

test("a path's inline token fields stay declared (else the API server would prune them silently) and a CEL rule refuses each", () => {
  const items = root.properties.spec.properties.paths.items as Node;
  const rules = (items["x-kubernetes-validations"] as Node[]).map((r) => [r.rule, r.fieldPath, r.reason]);
  for (const field of INLINE_TOKEN_FIELDS) {
    assert.equal(items.properties[field].type, "string");
    assert.deepEqual(rules.find((r) => r[1] === `.${field}`), [`!has(self.${field})`, `.${field}`, "FieldValueForbidden"]);
  }
  assert.equal(items.properties.readTokenSecret.properties.key.default, "token");
  assert.deepEqual(items.properties.readTokenSecret.required, ["name"]);
});

test("every CEL rule of the schema is in the CRD, and nothing else", () => {
  const rules: string[] = [];
  walk(root, (node) => {
    for (const rule of (node["x-kubernetes-validations"] as Node[] | undefined) ?? []) rules.push(rule.rule);
  });
  assert.deepEqual(rules.sort(), Object.values(CEL_RULES).map((r) => r.rule).sort());
});

test("status is fully typed: conditions keyed by type, no preserve-unknown-fields", () => {
  const status = root.properties.status as Node;
  assert.equal(status.properties.conditions["x-kubernetes-list-type"], "map");
  assert.deepEqual(status.properties.conditions["x-kubernetes-list-map-keys"], ["type"]);
  assert.deepEqual(status.properties.analysis.properties.phase.enum, ["Running", "Passed", "Failed", "Inconclusive"]);
  walk(status, (node, path) => assert.notEqual(node["x-kubernetes-preserve-unknown-fields"], true, path));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { loadOperatorConfig } from "./operatorConfig.js";

const operatorNamespace = (argv: string[], env: NodeJS.ProcessEnv) => {
  const config = loadOperatorConfig(argv, env);
  assert.ok(config !== "help");
  return config.operatorNamespace;
};

test("operator namespace: --operator-namespace, else POD_NAMESPACE (the chart's downward API), else unknown", () => {
  assert.equal(operatorNamespace(["--operator-namespace", "ops"], { POD_NAMESPACE: "mediafleet-system" }), "ops");
  assert.equal(operatorNamespace([], { POD_NAMESPACE: "mediafleet-system" }), "mediafleet-system");
  assert.equal(operatorNamespace([], {}), "");
});

test("operator namespace that is no namespace name -> an error naming the flag", () => {
  assert.throws(() => loadOperatorConfig(["--operator-namespace", "Ops"], {}), /--operator-namespace must be a namespace name/);
  assert.throws(() => loadOperatorConfig([], { POD_NAMESPACE: "a/b" }), /--operator-namespace/);
});

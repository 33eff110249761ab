import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfigText } from "./load.js";

const problemsOf = (text: string, env: NodeJS.ProcessEnv = {}): string[] => {
  try {
    parseConfigText(text, env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
};

test("pprof on a loopback address without a token -> accepted (the standalone default stays as it was)", () => {
  assert.deepEqual(problemsOf(""), []);
  for (const listen of ["127.0.0.1:9999", "[::1]:9999", "localhost:9999", "127.10.0.5:9999"]) assert.deepEqual(problemsOf(`pprof: { listen: "${listen}" }`), [], listen);
});

test("pprof on 0.0.0.0, a pod or a node address without a token -> refused, naming pprof.token (profiles never open to a network)", () => {
  for (const listen of ["0.0.0.0:9999", ":9999", "[::]:9999", "10.0.0.7:9999", "fd00::7:9999"]) {
    assert.deepEqual(problemsOf(`pprof: { listen: "${listen}" }`), [`pprof.token: must be set when pprof.listen (${listen}) is not a loopback address`], listen);
  }
});

test("hostNetwork pod: MEDIA_NODE_PPROF_LISTEN on the node's address needs MEDIA_NODE_PPROF_TOKEN; an empty token (a Secret key without a value) counts as none", () => {
  const file = 'pprof: { listen: "0.0.0.0:9999" }\nmetrics: { listen: "0.0.0.0:9998" }\n';
  const env = { MEDIA_NODE_PPROF_LISTEN: "10.0.0.7:9999", MEDIA_NODE_METRICS_LISTEN: "10.0.0.7:9998" };
  assert.match(problemsOf(file, env).join("\n"), /^pprof\.token: must be set when pprof\.listen \(10\.0\.0\.7:9999\)/);
  assert.match(problemsOf(file, { ...env, MEDIA_NODE_PPROF_TOKEN: "" }).join("\n"), /^pprof\.token: must be set/);
  const config = parseConfigText(file, { ...env, MEDIA_NODE_PPROF_TOKEN: "s3cret" });
  assert.equal(config.pprof.listen, "10.0.0.7:9999");
  assert.equal(config.pprof.token, "s3cret");
  assert.equal(config.metrics.listen, "10.0.0.7:9998");
});

test("a listen address with a port beyond 65535 -> a config error naming the key, not a crash at bind time", () => {
  assert.deepEqual(problemsOf('metrics: { listen: "127.0.0.1:70000" }'), ['metrics.listen: listen address "127.0.0.1:70000": bad port']);
});

/**
 * The README's first command must keep working: `npm start -- --once` brings up the control
 * plane, operator, local kubelet and two media nodes, and viewers must receive packets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("demo --once: two media nodes come up through the operator and viewers receive the test pattern", { timeout: 240_000 }, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--once", "--viewers", "2"], { cwd: REPO_ROOT });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, `demo failed:\n${err.slice(-3000)}`);
  const received = Number(/viewers received (\d+) RTP packets/.exec(out)?.[1] ?? 0);
  assert.ok(received > 200, `viewers received only ${received} packets`);
  assert.match(out, /pod\/demo-\S+\s+1\/1\s+Running/);
  assert.match(out, /service\/demo-metrics\s+ClusterIP\s+None/);
});

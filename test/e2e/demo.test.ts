/**
 * The README's first command must keep working and keep telling the story: `npm start -- --once`
 * brings up the control plane, operator, local kubelet and two media nodes, viewers receive
 * packets, a leaky revision is rolled out on a canary beside a fresh baseline, judged, rolled
 * back with what grew named, and a plot of memory per pod is written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("demo --once: media nodes through the operator, viewers receive packets, leaky rolled back naming what grew, plot written", { timeout: 300_000 }, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--once", "--viewers", "2"], { cwd: REPO_ROOT });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, `demo failed:\n${err.slice(-3000)}\n${out.slice(-3000)}`);
  const received = Number(/viewers received (\d+) RTP packets/.exec(out)?.[1] ?? 0);
  assert.ok(received > 200, `viewers received only ${received} packets`);
  assert.match(out, /pod\/demo-\S+\s+1\/1\s+Running/);
  assert.match(out, /service\/demo-metrics\s+ClusterIP\s+None/);
  // The live table shows the canary and the baseline beside the fleet.
  assert.match(out, /\| demo-canary-\S+ \| canary \| media-node:leaky \|/);
  assert.match(out, /\| demo-baseline-\S+ \| baseline \| media-node:good \|/);
  const report = out.slice(out.indexOf("== report"));
  assert.match(report, /media-node:leaky: Failed \((HeapRegression|HeapGrowth)\)/);
  assert.match(report, /grew {5}.*\(media-node\/fanout\/forwardedTrack\.js:\d+\) \+/, report.slice(0, 800));
  assert.match(report, /fleet {4}still on ghcr\.io\/mediafleet\/media-node:good/);
  const plot = /plot: +(\S+\.svg)/.exec(out)?.[1];
  assert.ok(plot && existsSync(plot), `plot ${plot}`);
  const svg = readFileSync(plot, "utf8");
  assert.match(svg, /rolled back/);
  assert.match(svg, />canary /);
  rmSync(plot);
  // The user's view: kubectl get (Last Good) and describe with the events in order.
  assert.match(out, /LAST GOOD/);
  const events = out.slice(out.indexOf("Events:")).split("\n").map((l) => /^\s+(Normal|Warning)\s+(\w+)/.exec(l)?.[2]).filter(Boolean);
  const order = ["Promoted", "AnalysisStarted", "RolledBack"].map((reason) => events.lastIndexOf(reason));
  assert.ok(order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, `events in order: ${events.join(", ")}`);
  assert.equal(events.filter((e) => e === "AnalysisStarted").length, 2, `one start for the first revision, one for leaky: ${events.join(", ")}`);
});

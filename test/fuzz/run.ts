/**
 * The long fuzz run, on demand: every in-process target (targets.ts) and every real-node
 * target (nodeTargets.ts, one media-node process over loopback), N cases each, then a table
 * of cases / ok / refused / crashes / 5xx per target. A failing case is replayed with its
 * seed so fast-check shrinks it and prints the smallest one it finds.
 *
 *   npm run fuzz -- --runs 100000                 # a fresh seed, printed first
 *   npm run fuzz -- --runs 2000 --seed 42 --only sdpfrag
 *   npm run fuzz -- --runs 100000 --no-node       # the pure parsers only
 *   npm run fuzz -- --runs 100000 --node-runs 20000
 *
 * Exits 1 when anything crashed, answered 5xx (503 excepted), logged an error, or was not counted.
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { startNodeFuzz } from "./nodeTargets.js";
import { IN_PROCESS_TARGETS, type FuzzTarget, type Outcome } from "./targets.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    "node-runs": { type: "string" },
    seed: { type: "string" },
    only: { type: "string" },
    "no-node": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const nodeRuns = Number(values["node-runs"] ?? values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const wanted = (t: FuzzTarget<unknown>) => !values.only || t.name.toLowerCase().includes(values.only.toLowerCase());

interface Row { target: string; cases: number; ok: number; refused: number; crashes: number; fivexx: number; seconds: number; firstFailure?: string }
const rows: Row[] = [];
const problems: string[] = [];

async function runTarget(target: FuzzTarget<unknown>, numRuns: number): Promise<void> {
  const row: Row = { target: target.name, cases: 0, ok: 0, refused: 0, crashes: 0, fivexx: 0, seconds: 0 };
  const started = performance.now();
  let lastReport = started;
  await fc.check(
    fc.asyncProperty(target.arbitrary, async (input) => {
      const outcome: Outcome = await target.run(input);
      row.cases++;
      if (outcome.verdict === "ok") row.ok++;
      else if (outcome.verdict === "rejected") row.refused++;
      else {
        if (outcome.verdict === "crash") row.crashes++;
        else row.fivexx++;
        row.firstFailure ??= outcome.detail;
      }
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        process.stderr.write(`  ${target.name}: ${row.cases}/${numRuns}\n`);
      }
      return true;
    }),
    { numRuns, seed },
  );
  row.seconds = (performance.now() - started) / 1000;
  rows.push(row);
  if (row.firstFailure !== undefined) {
    problems.push(`${target.name}: ${row.firstFailure}`);
    // replay the same cases with a failing property so fast-check shrinks the first failure
    const shrunk = await fc.check(
      fc.asyncProperty(target.arbitrary, async (input) => {
        const outcome = await target.run(input);
        return outcome.verdict === "ok" || outcome.verdict === "rejected";
      }),
      { numRuns, seed },
    );
    if (shrunk.failed) console.log(`\n${target.name}: smallest failing case (seed ${seed}, path ${shrunk.counterexamplePath}):\n${fc.stringify(shrunk.counterexample)}\n`);
  }
}

console.log(`fuzz: ${runs} cases per in-process target, ${values["no-node"] ? 0 : nodeRuns} per node target, seed ${seed}`);
for (const target of IN_PROCESS_TARGETS.filter(wanted)) await runTarget(target, runs);

if (!values["no-node"]) {
  const fuzz = await startNodeFuzz();
  try {
    for (const target of fuzz.targets.filter(wanted)) await runTarget(target, nodeRuns);
    problems.push(...(await fuzz.counterProblems()), ...fuzz.logProblems().map((l) => `node log: ${l.slice(0, 300)}`));
    const health = await fetch(`${fuzz.node.httpUrl}/healthz`).then((r) => r.status, (e: unknown) => String(e));
    if (health !== 200) problems.push(`node /healthz after the run: ${health}`);
  } finally {
    await fuzz.stop();
  }
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`\n| target | cases | ok | refused | crashes | 5xx | cases/s |\n|---|---:|---:|---:|---:|---:|---:|`);
for (const r of rows) {
  console.log(`| ${r.target} | ${pad(r.cases, 6)} | ${pad(r.ok, 6)} | ${pad(r.refused, 6)} | ${r.crashes} | ${r.fivexx} | ${pad(Math.round(r.cases / r.seconds), 5)} |`);
}
if (problems.length > 0) {
  console.log(`\nproblems (seed ${seed}):\n${problems.map((p) => `- ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`\nno crash, no 5xx, every refusal counted (seed ${seed})`);
process.exit(0);

/**
 * `npm run bench:rollback`: how well and how cheaply the operator judges revisions, on a real
 * control plane, the local kubelet running media-node processes, the operator as a process and
 * werift viewers. Prints a table, writes bench-results/rollback-<iso>.json and an SVG timeline
 * of one leaky rollout beside it.
 *
 *   1. Detection: canary and baseline Ready -> the rollback decision (status.analysis.readyAt ->
 *      finishedAt) for the seed's regression (media-node:leaky, per-viewer NACK copies) and for
 *      slow leaks (test/bench/rollbackLeak.mjs at a few rates, fastest first; a missed one is
 *      promoted, so a lean build is rolled out after it to restore a lean baseline).
 *   2. Confusion: repeated rollouts good -> good2 -> good ... and leaky ones among them, viewers
 *      swinging the same on canary and baseline; actual good/leaky x verdict, with the reasons.
 *   3. Scrape cost per pod per interval at 200 stand-in pods (scrapeCost.ts).
 *
 * Flags: --quick (3 good, 1 leaky, one leak rate, 3 scrape rounds: a few minutes),
 *        --good N, --leaky N, --leak-rates 16,8,4,2,0.5 (MB/min), --pods N, --rounds N,
 *        --skip-scrape, --skip-rollouts.
 * The JSON keeps each rollout's judged series: `rollbackReplay.ts FILE` re-judges them with the
 * verdict as it is now, without running the rollouts again.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { IMAGE, leakyImage, slowLeakImage, writeBenchImageMap } from "./rollbackImages.js";
import { runRollout, type LoadSwing, type RolloutPlan, type RolloutResult } from "./rollbackRollout.js";
import { confusionMatrix, errorsOf, formatConfusion, formatPairs, formatSummary, rolloutSchedule, slowestCaught, summarize } from "./rollbackStats.js";
import { BenchWorld } from "./rollbackWorld.js";
import { RESULTS_DIR, REPO_ROOT } from "./paths.js";
import { measureScrapeCost, type ScrapeCostResult } from "./scrapeCost.js";
import { coreSharePercent } from "./scrapeCostMath.js";
import { renderTimeline } from "./timeline.js";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string): string | undefined => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const quick = flag("quick");
/** "full" only when nothing was narrowed: a run with its own counts is "custom". */
const runKind = quick ? "quick" : ["good", "leaky", "leak-rates", "pods", "rounds", "skip-scrape", "skip-rollouts"].some(flag) ? "custom" : "full";
const opts = {
  good: Number(value("good") ?? (quick ? 3 : 20)),
  leaky: Number(value("leaky") ?? (quick ? 1 : 5)),
  leakRates: (value("leak-rates") ?? (quick ? "8" : "16,8,4,2,0.5")).split(",").map(Number).filter((r) => r > 0).sort((a, b) => b - a),
  pods: Number(value("pods") ?? 200),
  rounds: Number(value("rounds") ?? (quick ? 3 : 10)),
  scrape: !flag("skip-scrape"),
  rollouts: !flag("skip-rollouts"),
};
// The bench's MediaServer: production's shape, timings short enough to run many rollouts.
const SETTINGS = { interval: "2s", window: "60s", minSamples: 6, bakeTime: "8s", progressDeadline: "90s" } as const;
const INTERVAL_S = 2;
const WINDOW_S = 60;
const REPLICAS = 1;
const SWING: LoadSwing = { base: 2, extra: 4, upAtS: 15, downAtS: 40 };
/** The operator's default interval, for the "share of a core" figure. */
const PRODUCTION_INTERVAL_S = 30;

/** What was measured: the commit, and whether operator/ or media-node/ differed from it (the operator loads its code at start). */
function codeVersion(): { commit: string; operatorOrNodeModified: boolean | null } {
  try {
    const git = (args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    return { commit: git(["rev-parse", "HEAD"]), operatorOrNodeModified: git(["status", "--porcelain", "--", "operator", "media-node"]) !== "" };
  } catch {
    return { commit: "unknown", operatorOrNodeModified: null };
  }
}

const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const short = (image: string) => image.replace(/^.*:/, "");

/** Fills `rollouts` and `leaks` as it goes, so a run that breaks off still reports what it measured. */
async function runRollouts(world: BenchWorld, rollouts: RolloutResult[], leaks: RolloutResult[]): Promise<void> {
  const options = { swing: SWING, windowS: WINDOW_S, replicas: REPLICAS, progress };
  let leakyCount = 0;
  let index = 0;
  const run = async (plan: RolloutPlan, record: boolean): Promise<RolloutResult> => {
    progress(`rollout ${plan.index}: ${short(plan.image)} (${plan.kind}) ...`);
    const from = (await world.mediaServer()).status?.lastGoodImage as string;
    try {
      const result = await runRollout(world, plan, { ...options, record });
      progress(`rollout ${plan.index}: ${short(plan.image)} ${result.phase} (${result.reason}) ${result.readyToDecisionS ?? "—"} s after Ready: ${result.message}`);
      return result;
    } catch (error) {
      // One broken rollout must not cost the run: record it, put the fleet back, go on.
      const message = (error as Error).message.slice(0, 500);
      progress(`rollout ${plan.index}: ${short(plan.image)} broke: ${message}`);
      const lastGood = (await world.mediaServer()).status?.lastGoodImage as string;
      await world.patchImage(lastGood);
      await world.waitSettled(lastGood, REPLICAS, 180_000);
      return { ...plan, from, phase: "NoDecision", reason: "BenchError", message, samples: 0, topGrowth: [], load: "", notes: [message], points: [] };
    }
  };
  // Alternate between the two lean builds: the next good image is the one not in force.
  const nextGood = async () => ((await world.mediaServer()).status?.lastGoodImage === IMAGE("good") ? IMAGE("good2") : IMAGE("good"));
  for (const kind of rolloutSchedule(opts.good, opts.leaky)) {
    const image = kind === "good" ? await nextGood() : leakyImage(++leakyCount);
    rollouts.push(await run({ index: ++index, kind, image }, kind === "leaky" && leakyCount === 1));
  }
  // Slow leaks, fastest first, each rate once. A missed one is promoted and becomes the
  // baseline, so a lean build goes out next (judged against the leaking one; not counted in
  // the confusion matrix) to give the next rate a lean baseline again.
  for (const rate of opts.leakRates) {
    const result = await run({ index: ++index, kind: "slowleak", image: slowLeakImage(rate), rateMbPerMin: rate }, false);
    leaks.push(result);
    if (result.phase !== "Passed") continue;
    const restore = await run({ index: ++index, kind: "restore", image: await nextGood() }, false);
    leaks.push(restore);
    if (restore.phase !== "Passed") break;
  }
}

function rolloutTable(results: RolloutResult[]): string {
  const head = "| # | actual | image | against | verdict | reason | Ready -> decision | viewers/pod | samples | canary / baseline MB | regression |";
  const rows = results.map((r) =>
    `| ${r.index} | ${r.kind === "slowleak" ? `leak ${r.rateMbPerMin} MB/min` : r.kind === "restore" ? "good (restore)" : r.kind} | ${short(r.image)} | ${short(r.from)} | ${r.phase} | ${r.reason} | ${r.readyToDecisionS ?? "—"} s | ${r.load} | ${r.samples} | ${r.canaryMB ?? "—"} / ${r.baselineMB ?? "—"} | ${r.regressionPercent ?? "—"} % |`);
  return [head, `|${"---|".repeat(11)}`, ...rows].join("\n");
}

function scrapeRows(s: ScrapeCostResult): Array<[string, string]> {
  const share = (ms: number) => `${coreSharePercent(ms, s.pods, PRODUCTION_INTERVAL_S).toFixed(2)} % of one core`;
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  return [
    [`scrape, ${s.pods} stand-in pods`, `metrics ${kb(s.fixture.metricsBytes)} + heap profile ${kb(s.fixture.profileBytes)} gzipped (${s.fixture.sites} sites), recorded from a real node with ${s.fixture.viewers} viewers; concurrency ${s.concurrency}; ${s.full.rounds} rounds each`],
    ["CPU per pod per interval", `${s.full.cpuMsPerPod.toFixed(2)} ms with the profile and its fold (scrapeAll as the operator runs it); ${s.metricsOnly.cpuMsPerPod.toFixed(2)} ms metrics only; the fold alone ${s.foldOnlyCpuMsPerPod.toFixed(2)} ms`],
    [`share of a core, ${s.pods} pods @ ${PRODUCTION_INTERVAL_S} s`, `${share(s.full.cpuMsPerPod)} (target < 5 %); metrics only ${share(s.metricsOnly.cpuMsPerPod)}`],
    ["bytes in per pod per interval", `${kb(s.full.bytesInPerPod)} (metrics only ${kb(s.metricsOnly.bytesInPerPod)})`],
    ["heap held per pod", `${kb(s.heldBytesPerPod.oneRound)} for one round's results; ${kb(s.heldBytesPerPod.fiveProfiles)} with the last 5 profiles per pod (as kept during an analysis)`],
    [`wall time of a round of ${s.pods}`, `${s.full.wallMsPerRound.toFixed(0)} ms (metrics only ${s.metricsOnly.wallMsPerRound.toFixed(0)} ms); errors ${s.full.errors + s.metricsOnly.errors}`],
    ["not in the 5 % figure", "the kube API work of a reconcile (informer events, status patch with the series, events) and the verdict: per MediaServer, not per pod"],
  ];
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const code = codeVersion();
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, "-");
  let scrape: ScrapeCostResult | undefined;
  if (opts.scrape) scrape = await measureScrapeCost({ pods: opts.pods, rounds: opts.rounds, viewers: 6, progress });

  const rollouts: RolloutResult[] = [];
  const leaks: RolloutResult[] = [];
  let aborted: string | undefined;
  if (opts.rollouts) {
    const imageMapPath = writeBenchImageMap(REPO_ROOT, { leakyCopies: opts.leaky, leakRates: opts.leakRates });
    const removeImageMap = () => rmSync(dirname(imageMapPath), { recursive: true, force: true });
    const world = await BenchWorld.start({ imageMapPath, image: IMAGE("good"), replicas: REPLICAS, rollback: SETTINGS, progress }).catch((error: unknown) => {
      removeImageMap();
      throw error;
    });
    const stop = () => void world.stop().then(() => (removeImageMap(), process.exit(130)));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      await runRollouts(world, rollouts, leaks);
    } catch (error) {
      aborted = (error as Error).message;
      progress(`rollouts broke off: ${aborted}`);
    } finally {
      await world.stop();
      removeImageMap();
    }
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const leakyRun = rollouts.find((r) => r.timeline);
  const svgPath = leakyRun ? join(RESULTS_DIR, `rollback-${stamp}-leaky.svg`) : undefined;
  if (leakyRun && svgPath) {
    writeFileSync(svgPath, renderTimeline({ title: `${short(leakyRun.image)} on a canary beside a fresh baseline: ${leakyRun.phase} (${leakyRun.reason}), ${leakyRun.readyToDecisionS} s after Ready`, series: leakyRun.timeline!.series, markers: leakyRun.timeline!.markers }));
  }
  const matrix = confusionMatrix(rollouts.map((r) => ({ actual: r.kind === "good" ? "good" : "leaky", phase: r.phase })));
  const { falseRollbacks, missedLeaks } = errorsOf(matrix);
  const leakyDetect = summarize(rollouts.filter((r) => r.kind === "leaky" && r.phase === "Failed").map((r) => r.readyToDecisionS ?? Number.NaN));
  // Same build on both pods: how far apart the operator saw them (a bias would show here first).
  const goodSpread = summarize(rollouts.filter((r) => r.kind === "good").map((r) => r.regressionPercent ?? Number.NaN));
  const trials = leaks.filter((r) => r.kind === "slowleak").map((r) => ({ rateMbPerMin: r.rateMbPerMin!, phase: r.phase, detectSeconds: r.readyToDecisionS }));
  const slowest = slowestCaught(trials, WINDOW_S, INTERVAL_S);
  const durationS = Math.round((Date.now() - startedAt.getTime()) / 1000);

  const out = process.stdout;
  out.write(`\nrollback benchmark (${runKind} run, ${durationS} s, code ${code.commit.slice(0, 7)}${code.operatorOrNodeModified ? " with local changes" : ""})\n`);
  out.write(`settings: rollback interval ${SETTINGS.interval}, window ${SETTINGS.window}, minSamples ${SETTINGS.minSamples}, maxHeapRegressionPercent 20, minRegressionMiB 8, normalizeBy viewers; ${REPLICAS} fleet pod; viewers per pod on canary and baseline ${SWING.base} -> ${SWING.base + SWING.extra} at ${SWING.upAtS} s -> ${SWING.base} at ${SWING.downAtS} s after Ready\n`);
  if (opts.rollouts) {
    if (aborted) out.write(`\nBROKE OFF after ${rollouts.length + leaks.length} rollouts: ${aborted}\n`);
    out.write(`\n${rolloutTable([...rollouts, ...leaks])}\n\nverdicts:\n${[...rollouts, ...leaks].map((r) => `  #${r.index} ${short(r.image)}: ${r.phase}/${r.reason}: ${r.message}${r.topGrowth.length ? `; grew: ${r.topGrowth.join(", ")}` : ""}${r.notes.length ? ` [${r.notes.join("; ")}]` : ""}`).join("\n")}\n`);
    out.write(`\nconfusion (actual x verdict):\n${formatConfusion(matrix)}\n\n`);
    out.write(`${formatPairs([
      ["good: canary vs baseline", `${formatSummary(goodSpread, "%")} (same build on both pods)`],
      ["leaky: Ready -> decision", `${formatSummary(leakyDetect)} (target <= window + one interval = ${WINDOW_S + INTERVAL_S} s)`],
      ["slow leaks (MB/min)", trials.map((t) => `${t.rateMbPerMin}: ${t.phase} ${t.detectSeconds ?? "—"} s`).join("; ") || "—"],
      ["slowest leak caught in one window", slowest !== undefined ? `${slowest} MB/min` : "none"],
      ["false rollbacks", `${falseRollbacks} of ${matrix.good.Passed + matrix.good.Failed + matrix.good.Inconclusive + matrix.good.NoDecision} good rollouts`],
      ["leaky rollouts not rejected", `${missedLeaks + matrix.leaky.Inconclusive + matrix.leaky.NoDecision} of ${opts.leaky}`],
    ])}\n`);
  }
  if (scrape) out.write(`\n${formatPairs(scrapeRows(scrape))}\n`);

  const file = join(RESULTS_DIR, `rollback-${stamp}.json`);
  const json = {
    benchmark: "rollback", date: startedAt.toISOString(), node: process.version, run: runKind, argv, code, durationS, aborted: aborted ?? null,
    settings: { ...SETTINGS, maxHeapRegressionPercent: 20, minRegressionMiB: 8, normalizeBy: "viewers", fleetReplicas: REPLICAS, swing: SWING },
    rollouts: [...rollouts, ...leaks].map(({ timeline: _timeline, ...r }) => r),
    confusion: matrix, falseRollbacks, missedLeaks,
    goodRegressionPercent: goodSpread,
    detection: { leaky: leakyDetect, targetSeconds: WINDOW_S + INTERVAL_S, slowLeaks: trials, slowestCaughtMbPerMin: slowest ?? null },
    scrapeCost: scrape ? { ...scrape, productionIntervalSeconds: PRODUCTION_INTERVAL_S, coreSharePercent: coreSharePercent(scrape.full.cpuMsPerPod, scrape.pods, PRODUCTION_INTERVAL_S), metricsOnlyCoreSharePercent: coreSharePercent(scrape.metricsOnly.cpuMsPerPod, scrape.pods, PRODUCTION_INTERVAL_S) } : null,
    timelineSvg: svgPath ?? null,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  out.write(`\nwrote ${file}${svgPath ? `\nwrote ${svgPath}` : ""}\n`);
  return aborted ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

/**
 * Soak: a built media node under churn for a while, judged for heap growth and leaked sessions.
 *
 *   npm run soak -- [--minutes 30] [--viewers 30] [--restart-every 3] [--lossy 0.33] [--drop 0.05]
 *                   [--vanish 0.2] [--seed 1] [--scrape 5] [--svg FILE]
 *   npx tsx test/bench/soak.ts --report bench-results/soak-....json [--svg FILE]   (table and plot again)
 *
 * The node runs from dist/ (`npm run build` first) as its own process, with two paths: `live`
 * fed by a werift WHIP publisher (another process) and `ingest` fed over RTP/UDP by this
 * process (test/bench/rtpPublisher.ts), which is stopped and started afresh (new sequence
 * numbers) every --restart-every minutes. Viewers (soakViewers.ts, another process) join and
 * leave on a seeded plan (soakChurn.ts): up to --viewers at once, each living 10–120 s, a share
 * of them behind a relay that drops --drop of their RTP (so they NACK), a share leaving without
 * a DELETE. Every --scrape seconds the node's /metrics is read; every ~30 s a progress line.
 * A heap profile every 5 minutes names what grows if the heap does. When the plan is over every
 * viewer has left; the node is then given time to end what it still holds (its session
 * timeout) and GCs are forced (pprof /debug/vars?gc=1) until its werift peer connections are
 * back to the publisher's.
 *
 * Exit 0 passed, 1 failed (heap growth distinguishable from zero and above the floor, or a
 * leaked session; soakVerdict.ts), 2 could not judge. Writes bench-results/soak-<time>.json
 * and .svg. Not part of `npm test`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { scrapeMetrics, type MetricsSnapshot } from "../e2e/support/metrics.js";
import { startClientProcess, type ClientProcess } from "../support/clients.js";
import { startMediaNode, freeUdpPort, type StartedNode } from "../support/mediaNode.js";
import { poll } from "../support/poll.js";
import { RESULTS_DIR, REPO_ROOT } from "./paths.js";
import { startRtpPublisher, type RtpPublisher } from "./rtpPublisher.js";
import { foldProfile, siteGrowth, type SiteBytes } from "./heapSites.js";
import { churnEvents, churnSchedule, profileTimes, restartTimes, type PlannedViewer } from "./soakChurn.js";
import { startSoakViewers, type SoakViewers } from "./soakProtocol.js";
import { parseSoakArgs, reportText, writePlot, type SoakDocument, type SoakOptions } from "./soakReport.js";
import { heapPoints, progressLine, sampleOf, summarizeSoak, totalViewers, type SoakSample, type ViewerRecord } from "./soakSummary.js";
import { exitCode, heapSlope, judgeLoad, judgeSessions, judgeSlope, overall } from "./soakVerdict.js";

const PATHS = ["live", "ingest"] as const;
const PROGRESS_EVERY_S = 30;
const JOIN_TIMEOUT_MS = 30_000;
/**
 * 25 fps x 4 packets of 1100 bytes = 100 packets/s into the ingest path, near the WHIP
 * publisher's 120 (30 fps x 4 x 1000 bytes). The soak is about time, not throughput (that is
 * bench:fanout): every viewer here decrypts and NACKs in werift, and at the fan-out bench's 250
 * packets/s a crowd of 30 such viewers saturated its process on this 2-core machine, whose stalls
 * then showed up as loss that was the client's, not the node's.
 */
const INGEST_PACKETS_PER_FRAME = 4;
/** The RTP source is silent this long at each restart, as an encoder being restarted would be. */
const RESTART_GAP_MS = 2000;
/**
 * Heap profiles every 5 minutes name what grows if the heap does, sampled every 32 KB instead
 * of the node's 128 KB so that a few MB of growth spread over sites is still resolved. Each is
 * taken after a forced GC (`gc=1`): without it the in-use totals of a 30-minute run swung
 * 38–49 MB with the garbage of the moment and hid 4 MB of growth. One forced GC per 5 minutes
 * beside the ~50 a minute V8 runs by itself under this load changes nothing the slope reads.
 */
const PROFILE_EVERY_S = 300;
const HEAP_SAMPLING_BYTES = 32 * 1024;
/** After the last viewer left: the node's session timeout (15 s) for vanished viewers, and a margin for a loaded machine. */
const DRAIN_TIMEOUT_MS = 60_000;

let nodeDied: string | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** `--report FILE [--svg FILE]`: the table, findings and plot of an earlier run, without running. */
function rerender(argv: string[]): number {
  const file = argv[argv.indexOf("--report") + 1] ?? "";
  const doc = JSON.parse(readFileSync(file, "utf8")) as SoakDocument;
  // The summary again from the recorded samples and viewers, so what this code reports applies to old runs too.
  const { samples, final, viewers, slope, restarts, publisherPeerConnections } = doc;
  doc.summary = summarizeSoak({ samples, final, viewers, ...(slope ? { slope } : {}), restarts, publisherPeerConnections, cpus: doc.machine.cpus });
  process.stdout.write(reportText(doc) + "\n");
  const svg = argv.indexOf("--svg") >= 0 ? argv[argv.indexOf("--svg") + 1] : undefined;
  writePlot(doc, [file.replace(/\.json$/, ".svg"), ...(svg ? [svg] : [])]);
  return exitCode(doc.outcome);
}

interface Running {
  node: StartedNode;
  clients?: ClientProcess;
  viewers?: SoakViewers;
  rtp?: RtpPublisher;
}

async function run(o: SoakOptions, log: (line: string) => void): Promise<SoakDocument> {
  if (!existsSync(`${REPO_ROOT}dist/media-node/main.js`)) throw new Error("no dist/media-node/main.js: run `npm run build` first");
  const startedAt = new Date();
  const rtpPort = await freeUdpPort();
  const rtpSource = { host: "127.0.0.1", port: rtpPort, codec: "VP8", payloadType: 96, clockRate: 90000 };
  const r: Running = {
    node: await startMediaNode({
      dist: true,
      config: { log: { level: "info" }, paths: [{ name: "live" }, { name: "ingest", source: { rtp: rtpSource } }] },
      env: { MEDIA_NODE_HEAP_SAMPLING_BYTES: String(HEAP_SAMPLING_BYTES) },
      timeoutMs: 30_000,
    }),
  };
  const scrape = () => scrapeMetrics(r.node.metricsUrl);
  let stopping = false;
  // The node dying is the soak's plainest failure: noted here, reported by main().
  void r.node.child.exited.then(({ code, signal }) => {
    if (!stopping) nodeDied = `the media node exited (code ${code}, signal ${signal}); stderr: ${r.node.child.stderr.slice(-5).join(" | ")}`;
  });
  try {
    r.clients = await startClientProcess();
    const published = await r.clients.publish({ id: "publisher", url: `${r.node.httpUrl}/live/whip` });
    if (published.status !== 201) throw new Error(`WHIP publish -> ${published.status} ${published.body.slice(0, 200)}`);
    await r.clients.waitConnected("publisher", 30_000);
    const startSource = () => startRtpPublisher({ host: "127.0.0.1", port: rtpPort, packetsPerFrame: INGEST_PACKETS_PER_FRAME });
    r.rtp = startSource();
    r.viewers = await startSoakViewers();
    // The publisher's own werift peer connection(s): what the node must be back to at the end.
    const publisherPeerConnections = (await poll(scrape, (m) => m.sum("mediafleet_werift_peer_connections") >= 1, 10_000, "the publisher's peer connection")).sum("mediafleet_werift_peer_connections");
    log(`node pid ${r.node.pid} (dist), publisher connected (${publisherPeerConnections} werift peer connection), RTP source on :${rtpPort}; ${o.minutes} min, ${o.viewers} viewers, ${availableParallelism()} CPUs, load ${loadavg()[0]!.toFixed(1)}`);

    const durationS = o.minutes * 60;
    const plan = churnSchedule({ seed: o.seed, durationS, target: o.viewers, paths: PATHS, lossyFraction: o.lossyFraction, vanishFraction: o.vanishFraction });
    const restarts = restartTimes(durationS, o.restartEveryMin * 60);
    log(`plan: ${plan.length} viewers (${plan.filter((v) => v.lossy).length} lossy at ${o.dropFraction * 100} % drop, ${plan.filter((v) => v.leave === "vanish").length} leave without DELETE), ${restarts.length} RTP source restarts`);
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    const samples: SoakSample[] = [];
    const crowd: SoakDocument["crowd"] = [];
    const records: ViewerRecord[] = [];
    let churning = true;

    const scraper = (async () => {
      let printed = 0;
      let printedAt = 0;
      while (churning) {
        const m = await scrape().catch((error: Error) => (log(`scrape failed: ${error.message}`), undefined));
        if (m) samples.push(sampleOf(m, elapsed(), loadavg()[0]!));
        if (elapsed() - printedAt >= PROGRESS_EVERY_S - o.scrapeS / 2 && samples.length > printed) {
          printedAt = elapsed();
          const status = await r.viewers!.status().catch(() => undefined);
          if (status) crowd.push({ t: elapsed(), ...status });
          log(`${progressLine(samples.slice(printed))}  | viewers process: loop p99 ${status ? status.loopP99Ms.toFixed(0) : "?"} ms, CPU ${status ? status.cpuPercent.toFixed(0) : "?"} %`);
          printed = samples.length;
        }
        await sleep(o.scrapeS * 1000 - ((performance.now() - t0) % (o.scrapeS * 1000)));
      }
    })();

    const restarter = (async () => {
      for (const at of restarts) {
        await sleep((at - elapsed()) * 1000);
        if (!churning) return;
        await r.rtp!.close();
        await sleep(RESTART_GAP_MS);
        r.rtp = startSource();
        log(`RTP source restarted at ${Math.round(elapsed())} s`);
      }
    })();

    const pprofBase = r.node.pprofUrl.replace(/\/debug\/pprof\/?$/, "");
    const profiles: Array<{ t: number; sites: SiteBytes }> = [];
    const profiler = (async () => {
      for (const at of profileTimes(durationS, PROFILE_EVERY_S)) {
        await sleep((at - elapsed()) * 1000);
        if (!churning) return;
        const t = elapsed();
        const res = await fetch(`${pprofBase}/debug/pprof/heap?gc=1`, { signal: AbortSignal.timeout(30_000) }).catch((error: Error) => (log(`heap profile failed: ${error.message}`), undefined));
        if (res?.status === 200) profiles.push({ t, sites: foldProfile(gunzipSync(new Uint8Array(await res.arrayBuffer()))) });
      }
    })();

    const joined = new Map<string, Promise<ViewerRecord>>();
    const left: Array<Promise<void>> = [];
    let failures = 0;
    const joinViewer = async (v: PlannedViewer): Promise<ViewerRecord> => {
      const reply = await r.viewers!.join({
        id: v.id,
        url: `${r.node.httpUrl}/${v.path}/whep`,
        nodePort: r.node.udpPort,
        timeoutMs: JOIN_TIMEOUT_MS,
        ...(v.lossy ? { lossy: { seed: v.seed, dropFraction: o.dropFraction } } : {}),
      });
      if (!reply.connected && ++failures <= 10) log(`${v.id} (${v.path}${v.lossy ? ", lossy" : ""}) did not connect: ${reply.error}`);
      return { id: v.id, path: v.path, lossy: v.lossy, leave: v.leave, joinAtS: v.joinAtS, ...reply, received: 0, expected: 0 };
    };
    const leaveViewer = async (v: PlannedViewer) => {
      const record = await joined.get(v.id)!;
      records.push(record);
      if (!record.connected) return; // the viewers process already gave it up (and DELETEd it)
      const counts = await r.viewers!.leave(v.id, v.leave);
      Object.assign(record, { received: counts.received, expected: counts.expected, ...(counts.relay ? { relay: counts.relay } : {}) });
    };
    for (const event of churnEvents(plan)) {
      await sleep((event.atS - elapsed()) * 1000);
      if (nodeDied) throw new Error(nodeDied);
      if (event.kind === "join") joined.set(event.viewer.id, joinViewer(event.viewer));
      else left.push(leaveViewer(event.viewer));
    }
    await Promise.all(left);
    const churnEndS = elapsed();
    churning = false;
    await Promise.all([scraper, restarter, profiler]);
    log(`churn over at ${Math.round(churnEndS)} s: every viewer has left; waiting for the node to end its sessions`);

    const emptied = (m: MetricsSnapshot) => {
      const s = sampleOf(m, 0, 0);
      return totalViewers(s) === 0 && s.sessionsEnded >= s.sessionsStarted;
    };
    const drained = await poll(scrape, emptied, DRAIN_TIMEOUT_MS, "every viewer session ended", { intervalMs: 1000 }).catch((error: Error) => (log(error.message.slice(0, 300)), undefined));
    // FinalizationRegistry counts a peer connection gone only after a GC found it dead: force them now.
    const collected = await poll(
      async () => {
        await fetch(`${pprofBase}/debug/vars?gc=1`, { signal: AbortSignal.timeout(20_000) }).then((res) => res.arrayBuffer());
        return scrape();
      },
      (m) => m.sum("mediafleet_werift_peer_connections") <= publisherPeerConnections,
      30_000,
      "werift peer connections back to the publisher's",
      { intervalMs: 1000 },
    ).catch((error: Error) => (log(error.message.slice(0, 300)), undefined));
    const final = sampleOf(collected ?? drained ?? (await scrape()), elapsed(), loadavg()[0]!);
    log(`drained: ${totalViewers(final)} viewers, ${final.sessionsStarted} sessions started, ${final.sessionsEnded} ended, ${final.peerConnections} werift peer connections`);
    // pino levels: 40 warn, 50 error, 60 fatal.
    const warnings = r.node.logs().filter((line) => Number(line.level) >= 40);
    if (warnings.length > 0) log(`the node logged ${warnings.length} warnings or errors (first: ${JSON.stringify(warnings[0]).slice(0, 300)})`);

    const slope = heapSlope(heapPoints(samples));
    const findings = [
      judgeSlope(slope),
      ...judgeSessions({
        started: final.sessionsStarted,
        ended: final.sessionsEnded,
        startedSeenByHarness: records.filter((v) => v.created).length,
        viewersNow: totalViewers(final),
        peerConnections: final.peerConnections,
        publisherPeerConnections,
      }),
    ];
    const summary = summarizeSoak({ samples, final, viewers: records, ...(slope ? { slope } : {}), restarts, publisherPeerConnections, cpus: availableParallelism() });
    findings.push(...judgeLoad({ planned: plan.length, connected: summary.sessions.connected, restartsDone: restarts.length, restartsSeen: summary.restarts.seenByNode }));
    return {
      benchmark: "soak",
      startedAt: startedAt.toISOString(),
      options: o,
      machine: { cpus: availableParallelism(), node: process.version },
      publisherPeerConnections,
      churnEndS,
      samples,
      final,
      restarts,
      viewers: records.sort((a, b) => a.joinAtS - b.joinAtS),
      crowd,
      nodeWarnings: { count: warnings.length, first: warnings.slice(0, 100) },
      heapProfiles: profiles.map((p) => ({ t: p.t, sampledBytes: p.sites.total })),
      // siteGrowth fits bytes against x; x is minutes here, so its per-x slope is bytes per minute.
      growingSites: profiles.length >= 3 ? siteGrowth(profiles.map((p) => p.t / 60), profiles.map((p) => p.sites.owner), 10).map((g) => ({ site: g.site, bytesPerMin: g.bytesPerViewer, r2: g.r2, lastBytes: g.lastBytes })) : [],
      ...(slope ? { slope } : {}),
      summary,
      findings,
      outcome: overall(findings),
    };
  } finally {
    stopping = true;
    await r.viewers?.stop().catch(() => undefined);
    await r.clients?.stop().catch(() => undefined);
    await r.rtp?.close();
    await r.node.stop();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--report")) return rerender(argv);
  let o: SoakOptions;
  try {
    o = parseSoakArgs(argv);
  } catch (error) {
    process.stderr.write(`soak: ${(error as Error).message}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  let doc: SoakDocument;
  try {
    doc = await run(o, log);
  } catch (error) {
    if (!nodeDied) throw error;
    process.stdout.write(`soak FAILED: ${nodeDied}\n`);
    return 1;
  }
  const file = join(RESULTS_DIR, `soak-${doc.startedAt.replace(/[:]/g, "-").slice(0, 19)}.json`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 1) + "\n");
  writePlot(doc, [file.replace(/\.json$/, ".svg"), ...(o.svg ? [o.svg] : [])]);
  process.stdout.write(`\n## Soak (${doc.summary.minutes} min, ${o.viewers} viewers churning, ${doc.machine.cpus} CPUs)\n\n${reportText(doc)}\n\nJSON: ${file}\nSVG:  ${file.replace(/\.json$/, ".svg")}${o.svg ? ` and ${o.svg}` : ""}\n`);
  return exitCode(doc.outcome);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`soak: ${error.stack ?? error.message}\n`);
      process.exit(2);
    },
  );
}

/**
 * nack.mode with a real browser under loss. Chromium publishes through the publisher page;
 * a second page plays through a UDP relay that drops 5% of the RTP packets the node sends it
 * (seeded; never STUN, DTLS or RTCP). With `shared` (and `perViewer`) the browser asks for
 * the lost packets and keeps decoding without a freeze over 1 s; with `off` no NACK is
 * negotiated and nothing is retransmitted. framesDropped / freezeCount per mode go to the test output: the field report
 * that motivated the modes never measured picture quality; this does.
 * Loss is injected in user space because this machine's kernel has no netem qdisc.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { enterFreshNetns } from "./support/netns.js";
import { launchChromium, type LaunchedBrowser } from "./support/browser.js";
import { startNode } from "./support/mediaNode.js";
import { decodeSteps, startPublisherPage, summarize, waitForPageState, watchPlayback } from "./support/clients.js";
import { routeWhepThroughRelay, startLossyRelay } from "./support/lossyRelay.js";
import { scrapeMetrics } from "./support/metrics.js";
import { artifactPath } from "./support/artifacts.js";

// Names of the page, used only inside callbacks that run in the browser (page.evaluate).
declare const window: any;

await enterFreshNetns(import.meta.url);

const LOSS = 0.05;
const WATCH_SECONDS = 10;
let browser: LaunchedBrowser;

test.before(async () => {
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
});

const results: Record<string, Record<string, number | null>> = {};

for (const mode of ["shared", "perViewer", "off"] as const) {
  test(`nack.mode ${mode}, 5% of RTP to the browser dropped -> ${mode === "off" ? "no NACK in the answer, nothing resent, loss stays" : "NACKs recover, no freeze over 1 s"}`, async (t) => {
    const node = await startNode({ nack: mode });
    t.after(() => node.stop());
    const relay = await startLossyRelay({ nodePort: node.udpPort, seed: 20240501 });
    t.after(() => relay.close());
    const publisher = await startPublisherPage(browser.context, node.baseUrl, "cam1");
    t.after(() => publisher.close());

    const player = await browser.context.newPage();
    t.after(() => player.close());
    const whep = await routeWhepThroughRelay(player, relay, node.udpPort);
    // stall=60: the page must not start a new session mid-measurement (it would after 4 s
    // without a frame, which `off` can reach); we measure this one session's picture.
    await player.goto(`${node.baseUrl}/cam1/?audio=0&stall=60`);
    await waitForPageState(player, "playing", 20_000);
    assert.equal(whep.answers, 1, "the answer was pointed at the relay");
    assert.ok(relay.counters.toNode > 0 && relay.counters.rtpToClient > 0, "media flows through the relay");
    const negotiatesNack = /^a=rtcp-fb:\d+ nack\s*$/m.test(whep.lastAnswer);
    assert.equal(negotiatesNack, mode !== "off", `answer ${mode === "off" ? "without" : "with"} generic NACK feedback`);

    const before = await scrapeMetrics(node.metricsUrl);
    relay.setDropFraction(LOSS);
    const playback = await watchPlayback(player, WATCH_SECONDS);
    assert.equal(await player.evaluate(() => (window as any).__mediafleet.connects), 1, "one session throughout");
    relay.setDropFraction(0);
    const after = await scrapeMetrics(node.metricsUrl);

    const summary = summarize(playback);
    const delta = (name: string) => after.sum(name) - before.sum(name);
    const node_ = {
      nackRequests: delta("mediafleet_nack_requests_total"),
      retransmitted: delta("mediafleet_rtp_retransmitted_packets_total"),
      nackMisses: delta("mediafleet_nack_misses_total"),
      historyBytes: after.sum("mediafleet_nack_history_bytes"),
    };
    results[mode] = { ...summary, droppedByRelay: relay.counters.droppedRtp, ...node_ };
    t.diagnostic(`nack.mode ${mode}: browser ${JSON.stringify(summary)}`);
    t.diagnostic(`nack.mode ${mode}: relay dropped ${relay.counters.droppedRtp}/${relay.counters.rtpToClient} RTP; node ${JSON.stringify(node_)}`);
    await player.screenshot({ path: artifactPath(`browser-nack-${mode}.png`) });

    assert.ok(relay.counters.droppedRtp > 10, "loss was injected");
    if (mode === "off") {
      // Chromium still sends NACKs: as the offerer it takes its receive-side feedback from its
      // own offer, whatever the answer says. The node must not answer them.
      assert.equal(node_.retransmitted, 0, "the node retransmits nothing");
      assert.ok((summary.packetsLost ?? 0) > 0, "the loss stays");
    } else {
      assert.ok((summary.nackCount ?? 0) > 0, "the browser asked for the lost packets");
      assert.ok(node_.retransmitted > 0, "the node retransmitted");
      // Chromium compounds NACK with other feedback; read unbounded, the NACK grows bogus
      // sequence numbers that all count as misses (media-node/fanout/rtcpCompound.ts).
      assert.ok(node_.nackMisses <= Math.max(2, node_.retransmitted / 10), `NACKs name real packets (misses ${node_.nackMisses}, resent ${node_.retransmitted})`);
      const steps = decodeSteps(playback.samples);
      assert.ok(steps.every((n) => n > 0), `frames keep decoding every second: ${steps.join(", ")}`);
      assert.ok(playback.longestFrameGapMs !== null && playback.longestFrameGapMs < 1000,
        `no freeze longer than 1 s (longest gap ${playback.longestFrameGapMs} ms)`);
    }
  });
}

test("per-mode picture quality under 5% loss (table)", (t) => {
  const columns = ["framesDecodedPerSecond", "nackCount", "packetsLost", "residualLossPercent", "framesDropped", "freezeCount", "freezeSeconds", "longestFrameGapMs", "droppedByRelay", "retransmitted"];
  t.diagnostic(["mode", ...columns].join("\t"));
  for (const [mode, row] of Object.entries(results)) t.diagnostic([mode, ...columns.map((c) => String(row[c] ?? "–"))].join("\t"));
  assert.ok(Object.keys(results).length > 0, "at least one mode was measured");
});

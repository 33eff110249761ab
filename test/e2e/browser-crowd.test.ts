/**
 * A crowd of 20 simultaneous viewers on one path: one real Chromium player plus 19 werift
 * WHEP viewers in a child process (20 browsers would not fit on 2 cores). Chromium
 * publishes through the publisher page. Every viewer must be receiving at the same time.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { enterFreshNetns } from "./support/netns.js";
import { launchChromium } from "./support/browser.js";
import { startNode } from "./support/mediaNode.js";
import { decodeSteps, openPlayerPage, startPublisherPage, summarize, waitForPageState, watchPlayback } from "./support/clients.js";
import { eventually, pathInfo } from "./support/artifacts.js";
import { startClientProcess } from "../support/clients.js";

await enterFreshNetns(import.meta.url);

const CROWD = 20;
const WERIFT_VIEWERS = CROWD - 1;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

test(`crowd of ${CROWD}: 1 Chromium + ${WERIFT_VIEWERS} werift viewers -> all receive at once`, async (t) => {
  const node = await startNode();
  t.after(() => node.stop());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const publisher = await startPublisherPage(browser.context, node.baseUrl, "cam1");
  t.after(() => publisher.close());

  const crowd = await startClientProcess();
  t.after(() => crowd.stop());
  const ids = Array.from({ length: WERIFT_VIEWERS }, (_, i) => `v${i + 1}`);
  const started = Date.now();
  const created = await Promise.all(ids.map((id) => crowd.view({ id, url: `${node.baseUrl}/cam1/whep`, videoCodecs: ["VP8"] })));
  assert.deepEqual(created.map((c) => c.status), ids.map(() => 201), "every WHEP POST -> 201");
  // Generous: on a shared 2-core machine 19 DTLS handshakes in one child can queue up.
  const settled = await Promise.allSettled(ids.map((id) => crowd.waitConnected(id, 60_000)));
  const batchMs = Date.now() - started;
  const stuck = ids.filter((_, i) => settled[i]!.status === "rejected");
  if (stuck.length > 0) {
    const states = await Promise.all(stuck.map(async (id) => `${id}=${(await crowd.report(id).catch(() => ({ state: "?" }))).state}`));
    assert.fail(`${stuck.length}/${WERIFT_VIEWERS} werift viewers did not connect in 60 s (${states.join(", ")}); node log tail:\n${node.output().slice(-2000)}`);
  }
  const connectMs = settled.map((r) => (r as PromiseFulfilledResult<number>).value);

  const player = await openPlayerPage(browser.context, node.baseUrl, "cam1", "?audio=0");
  t.after(() => player.close());
  await waitForPageState(player, "playing", 20_000);
  await eventually(`/v1/paths counts ${CROWD} viewers`, 10_000, async () => (await pathInfo(node.baseUrl, "cam1"))?.viewers === CROWD);

  // One window in which everyone must be receiving: werift counts before/after, Chromium decodes throughout.
  const countsBefore = await Promise.all(ids.map(async (id) => (await crowd.report(id)).packets.length));
  const playback = await watchPlayback(player, 5);
  const countsAfter = await Promise.all(ids.map(async (id) => (await crowd.report(id)).packets.length));
  const received = countsAfter.map((n, i) => n - countsBefore[i]!);

  const steps = decodeSteps(playback.samples);
  assert.ok(steps.every((n) => n > 0), `Chromium decodes every second: ${steps.join(", ")}`);
  const chromiumPackets = playback.samples.at(-1)!.packetsReceived - playback.samples[0]!.packetsReceived;
  const least = Math.min(...received);
  assert.ok(least > 0.8 * chromiumPackets, `every werift viewer got >80% of what Chromium got in the window (least ${least}, Chromium ${chromiumPackets})`);

  t.diagnostic(`${WERIFT_VIEWERS} werift viewers connected in ${batchMs} ms as a batch; connect p50 ${percentile(connectMs, 50)} ms, p95 ${percentile(connectMs, 95)} ms`);
  t.diagnostic(`5 s window: werift packets min ${least} / max ${Math.max(...received)}; Chromium ${JSON.stringify(summarize(playback))}`);
});

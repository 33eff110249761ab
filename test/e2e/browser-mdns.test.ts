/**
 * mdns.mode with a real browser. A Chromium page that was never granted a camera hides its
 * host address behind a `<uuid>.local` name; the node must still connect in every mode:
 * `off` ignores the name and learns the browser as a peer-reflexive candidate, `shared`
 * resolves it through ONE process-wide resolver (one mDNS socket however many viewers),
 * `perConnection` through werift's own per-connection resolver, whose socket lives as long as
 * werift runs the connection (until the session links it, session/viewerLink.ts). Metrics say
 * which path was taken. Runs in its own network namespace: the mDNS multicast stays inside it.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { enterFreshNetns } from "./support/netns.js";
import { launchChromium, type LaunchedBrowser } from "./support/browser.js";
import { startNode } from "./support/mediaNode.js";
import { decodeSteps, openPlayerPage, startPublisherPage, waitForPageState, watchPlayback } from "./support/clients.js";
import { scrapeMetrics } from "./support/metrics.js";
import { udpSocketsByPort } from "./support/sockets.js";
import type { Page } from "playwright-core";

// Names of the page, used only inside callbacks that run in the browser (page.evaluate).
declare const window: any;

await enterFreshNetns(import.meta.url);

const MDNS_PORT = 5353;
let publishing: LaunchedBrowser; // camera granted (fake UI): raw IPs, like a real publisher
let viewing: LaunchedBrowser; // no grant: `.local` names, like a real anonymous viewer

test.before(async () => {
  publishing = await launchChromium();
  viewing = await launchChromium({ fakeMediaUi: false });
});
test.after(async () => {
  await viewing?.close();
  await publishing?.close();
});

/** Opens a player and keeps the candidates its WHEP offer carried. */
async function openRecordingOffer(baseUrl: string): Promise<{ page: Page; offerCandidates: string[] }> {
  const offerCandidates: string[] = [];
  const page = await viewing.context.newPage();
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/whep")) {
      offerCandidates.push(...(request.postData() ?? "").split(/\r?\n/).filter((l) => l.startsWith("a=candidate")));
    }
  });
  await page.goto(`${baseUrl}/cam1/?audio=0`);
  return { page, offerCandidates };
}

for (const mode of ["off", "shared", "perConnection"] as const) {
  test(`mdns.mode ${mode}: a viewer offering only .local candidates -> connects and decodes`, async (t) => {
    const node = await startNode({ mdns: mode });
    t.after(() => node.stop());
    const publisher = await startPublisherPage(publishing.context, node.baseUrl, "cam1");
    t.after(() => publisher.close());

    // mDNS sockets of the node, sampled while the viewers connect (per-connection ones are brief)
    let mostSockets = 0;
    const sampler = setInterval(() => {
      mostSockets = Math.max(mostSockets, udpSocketsByPort(node.nodePid()).get(MDNS_PORT) ?? 0);
    }, 5);
    t.after(() => clearInterval(sampler));
    const viewers = [await openRecordingOffer(node.baseUrl), await openRecordingOffer(node.baseUrl)];
    t.after(() => Promise.all(viewers.map((v) => v.page.close())));
    for (const viewer of viewers) await waitForPageState(viewer.page, "playing", 20_000);
    clearInterval(sampler);

    for (const { offerCandidates } of viewers) {
      assert.ok(offerCandidates.length > 0, "the offer carried candidates");
      assert.ok(offerCandidates.every((c) => / [0-9a-f-]{36}\.local /.test(c)), `only .local host candidates:\n${offerCandidates.join("\n")}`);
    }
    const steps = decodeSteps((await watchPlayback(viewers[0]!.page, 3)).samples);
    assert.ok(steps.every((n) => n > 0), `framesDecoded rises: ${steps.join(", ")}`);

    const metrics = await scrapeMetrics(node.metricsUrl);
    const outcomes = metrics.byLabel("mediafleet_mdns_candidates_total", "outcome");
    const queries = metrics.sum("mediafleet_mdns_queries_total");
    const mdnsSockets = udpSocketsByPort(node.nodePid()).get(MDNS_PORT) ?? 0;
    const connect = await Promise.all(viewers.map((v) => v.page.evaluate(() => (window as any).__mediafleet.connectTimesMs[0] as number)));
    t.diagnostic(`mode ${mode}: candidates by outcome ${JSON.stringify(outcomes)}, mdns queries ${queries}, mDNS sockets held ${mdnsSockets} (most while connecting ${mostSockets}), viewer connect ${connect.join(", ")} ms`);

    if (mode === "off") {
      assert.equal(queries, 0, "no mDNS query is ever sent");
      assert.equal(mdnsSockets + mostSockets, 0, "no mDNS socket is opened");
      assert.equal(outcomes.mdnsIgnored, 2, "both viewers' .local candidates were ignored: the peer-reflexive path");
      assert.equal(outcomes.mdnsResolved ?? 0, 0);
    } else {
      assert.equal(outcomes.mdnsResolved, 2, "both viewers' names were resolved");
      assert.ok(queries >= 2, "one query per new name");
      // The difference between the two: one resolver socket for the process, kept; or one per
      // werift connection, gone with it once the session has linked the viewer.
      if (mode === "shared") {
        assert.equal(mostSockets, 1, "one resolver socket while the viewers connected");
        assert.equal(mdnsSockets, 1, "and it stays for the next viewers");
      } else {
        assert.ok(mostSockets >= 1, `per-connection resolver sockets while connecting (most at once: ${mostSockets})`);
        assert.equal(mdnsSockets, 0, "none left once the connections are linked");
      }
    }
  });
}

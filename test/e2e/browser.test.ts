/**
 * Real clients end to end: Chromium publishes its fake camera through the node's publisher
 * page (WHIP) and a second page plays it through the player page (WHEP). Runs inside its
 * own network namespace (see support/netns.ts): nothing it sends can leave the machine.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { enterFreshNetns, listInterfaces, VETH } from "./support/netns.js";
import { launchChromium, type LaunchedBrowser } from "./support/browser.js";
import { startNode, type RunningNode } from "./support/mediaNode.js";
import { decodeSteps, openPlayerPage, startPublisherPage, summarize, waitForPageState, watchPlayback } from "./support/clients.js";
import { artifactPath, eventually, pathInfo } from "./support/artifacts.js";

// Names of the page, used only inside callbacks that run in the browser (page.evaluate).
declare const window: any;
declare const document: any;

await enterFreshNetns(import.meta.url);

let node: RunningNode;
let browser: LaunchedBrowser;

test.before(async () => {
  assert.deepEqual(listInterfaces().sort(), ["lo", VETH.name, VETH.peer].sort(), "only our own interfaces are visible");
  node = await startNode({
    paths: [{ name: "cam1" }, { name: "cam2" }, { name: "again" }, { name: "keys" }, { name: "secure", publishToken: "pub-secret", readToken: "read-secret" }],
  });
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await node?.stop();
});

for (const codec of ["VP8", "H264"] as const) {
  const path = codec === "VP8" ? "cam1" : "cam2";
  test(`publisher page (${codec}, fake camera) -> player page decodes for 5 s at the camera's size`, async (t) => {
    const publisher = await startPublisherPage(browser.context, node.baseUrl, path, { codec, audio: codec === "VP8" });
    t.after(() => publisher.close());
    const player = await openPlayerPage(browser.context, node.baseUrl, path);
    t.after(() => player.close());
    await waitForPageState(player, "playing", 20_000);
    const playback = await watchPlayback(player, 5);
    const sent = await publisher.evaluate(() => {
      const m = (window as any).__mediafleet;
      const preview = document.querySelector("video") as { videoWidth: number; videoHeight: number };
      return { width: preview.videoWidth, height: preview.videoHeight, codec: m.codec as string | null, connectMs: m.connectTimesMs[0] as number };
    });
    assert.equal(sent.codec?.toLowerCase(), `video/${codec.toLowerCase()}`, "the publisher sends the codec picked in the page");

    const steps = decodeSteps(playback.samples);
    assert.equal(steps.length, 5, "one getStats() sample per second");
    assert.ok(steps.every((n) => n > 0), `framesDecoded rises every second: ${steps.join(", ")}`);
    assert.ok(sent.width > 0 && sent.height > 0, "the fake camera has a size");
    assert.deepEqual({ width: playback.videoWidth, height: playback.videoHeight }, { width: sent.width, height: sent.height },
      "the player shows the camera's size");
    const codecSeen = await player.evaluate(() => (window as any).__mediafleet.stats.codec as string);
    assert.equal(codecSeen.toLowerCase(), `video/${codec.toLowerCase()}`);
    const timings = await player.evaluate(() => {
      const m = (window as any).__mediafleet;
      return { connectMs: m.connectTimesMs[0] as number, firstFrameMs: m.firstFrameTimesMs[0] as number };
    });

    const shot = artifactPath(`browser-player-${codec}.png`);
    await player.screenshot({ path: shot });
    const overlay = await player.locator("#state").textContent();
    assert.equal(overlay, "playing", "the overlay says so too");
    t.diagnostic(`${codec}: camera ${sent.width}x${sent.height}, publisher codec ${sent.codec}, publisher connect ${sent.connectMs} ms`);
    t.diagnostic(`${codec}: viewer connect ${timings.connectMs} ms, first frame ${timings.firstFrameMs} ms; ${JSON.stringify(summarize(playback))}`);
    t.diagnostic(`screenshot: ${shot}`);
  });
}

test("player page -> DELETEs its session when it leaves; /v1/paths counts the viewer down", async (t) => {
  const publisher = await startPublisherPage(browser.context, node.baseUrl, "cam1");
  t.after(() => publisher.close());
  const player = await openPlayerPage(browser.context, node.baseUrl, "cam1");
  await waitForPageState(player, "playing", 20_000);
  assert.equal((await pathInfo(node.baseUrl, "cam1"))?.viewers, 1);
  await player.getByRole("button", { name: "Stop" }).click();
  await waitForPageState(player, "stopped", 5_000);
  await eventually("viewer count back to 0", 5_000, async () => (await pathInfo(node.baseUrl, "cam1"))?.viewers === 0);
  await player.close();
});

test("stream ends and comes back -> the player reconnects by itself", async (t) => {
  const player = await openPlayerPage(browser.context, node.baseUrl, "again");
  t.after(() => player.close());
  // Nobody publishes yet: the node answers 409 + Retry-After and the page waits.
  await waitForPageState(player, "waiting", 10_000);

  let publisher = await startPublisherPage(browser.context, node.baseUrl, "again");
  await waitForPageState(player, "playing", 20_000);

  await publisher.getByRole("button", { name: "Stop" }).click();
  await waitForPageState(publisher, "stopped", 5_000);
  await eventually("the player notices the end", 15_000, async () =>
    (await player.evaluate(() => (window as any).__mediafleet.state)) !== "playing");
  await publisher.close();

  const stoppedAt = Date.now();
  publisher = await startPublisherPage(browser.context, node.baseUrl, "again");
  t.after(() => publisher.close());
  await waitForPageState(player, "playing", 20_000);
  const connects = await player.evaluate(() => (window as any).__mediafleet.connects as number);
  assert.equal(connects, 2, "a second session, made by the page itself");
  const steps = decodeSteps((await watchPlayback(player, 2)).samples);
  assert.ok(steps.every((n) => n > 0), `frames rise again: ${steps.join(", ")}`);
  t.diagnostic(`back to playing ${Date.now() - stoppedAt} ms after the publisher returned`);
});

test("path with tokens -> pages without ?token= are refused (401), with it they work", async (t) => {
  const refused = await openPlayerPage(browser.context, node.baseUrl, "secure");
  t.after(() => refused.close());
  await waitForPageState(refused, "refused", 10_000);
  assert.match((await refused.locator("#state").textContent()) ?? "", /token/);

  const publisher = await startPublisherPage(browser.context, node.baseUrl, "secure", { token: "pub-secret" });
  t.after(() => publisher.close());
  const player = await openPlayerPage(browser.context, node.baseUrl, "secure", "?token=read-secret");
  t.after(() => player.close());
  await waitForPageState(player, "playing", 20_000);
});

test("pages by keyboard and roles only -> labelled controls, a status region, Enter starts, Stop ends", async (t) => {
  const page = await browser.context.newPage();
  t.after(() => page.close());
  await page.goto(`${node.baseUrl}/keys/publish`);
  assert.equal(await page.getByRole("status").textContent(), "idle");
  await page.getByLabel("Source").focus();
  await page.keyboard.press("Tab"); // -> Codec
  await page.keyboard.press("Tab"); // -> Microphone
  await page.keyboard.press("Space"); // microphone off
  await page.keyboard.press("Tab"); // -> Start publishing
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Start publishing");
  await page.keyboard.press("Enter");
  await waitForPageState(page, "publishing", 20_000);
  assert.equal((await pathInfo(node.baseUrl, "keys"))?.publisher, true);
  await page.getByRole("button", { name: "Stop" }).press("Enter");
  await waitForPageState(page, "stopped", 5_000);
  await eventually("the publisher is gone (DELETE)", 5_000, async () => (await pathInfo(node.baseUrl, "keys"))?.publisher === false);
});

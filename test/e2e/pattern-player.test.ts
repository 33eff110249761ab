/**
 * The built-in test card must be real video: Chromium plays the `testPattern` path through
 * the player page and decodes frames of the clip's size. (The synthetic load pattern is not
 * decodable on purpose; this guards the default `clip` mode the demo relies on.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launchChromium } from "./support/browser.js";
import { startMediaNode } from "../support/mediaNode.js";

// Names of the page, used only inside callbacks that run in the browser (page.evaluate).
declare const window: any;
declare const document: any;

test("Chromium decodes the built-in VP8 test card through the player page", { timeout: 120_000 }, async (t) => {
  const node = await startMediaNode({ config: { paths: [{ name: "card", source: { testPattern: { mode: "clip", fps: 30 } } }] } });
  t.after(() => node.stop());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  await page.goto(`${node.httpUrl}/card/`);
  const read = () => page.evaluate(() => {
    const video = document.querySelector("video")!;
    const exposed = (window as unknown as { __mediafleet?: { stats?: { framesDecoded?: number } } }).__mediafleet;
    return { width: video.videoWidth, height: video.videoHeight, framesDecoded: exposed?.stats?.framesDecoded ?? 0 };
  });
  const deadline = Date.now() + 30_000;
  let first = await read();
  while (first.framesDecoded === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    first = await read();
  }
  assert.ok(first.framesDecoded > 0, "no frame decoded within 30 s");
  await new Promise((r) => setTimeout(r, 3000));
  const later = await read();
  t.diagnostic(`framesDecoded ${first.framesDecoded} -> ${later.framesDecoded} in 3 s, ${later.width}x${later.height}`);
  assert.ok(later.framesDecoded - first.framesDecoded >= 45, "about 30 fps keep decoding");
  assert.deepEqual([later.width, later.height], [480, 270]);
  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/test-card-player.png" });
});

/**
 * ffmpeg as a real RTP source: it encodes a 640x360 test pattern with libx264 and sends
 * H264 over plain RTP to a path configured for RTP ingest; Chromium plays that path through
 * the node's player page. Runs in its own network namespace (the player may use mDNS names).
 */
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { enterFreshNetns } from "./support/netns.js";
import { launchChromium } from "./support/browser.js";
import { startNode } from "./support/mediaNode.js";
import { decodeSteps, openPlayerPage, summarize, waitForPageState, watchPlayback } from "./support/clients.js";
import { artifactPath, eventually, pathInfo } from "./support/artifacts.js";
import { freeUdpPort } from "../support/mediaNode.js";

// Names of the page, used only inside callbacks that run in the browser (page.evaluate).
declare const window: any;

await enterFreshNetns(import.meta.url);

/** The command a user would type (README), aimed at `port`. */
function ffmpegRtpArgs(port: number): string[] {
  return [
    "-hide_banner", "-loglevel", "warning", "-nostdin",
    "-re", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30",
    "-c:v", "libx264", "-tune", "zerolatency", "-profile:v", "baseline", "-pix_fmt", "yuv420p",
    // A keyframe every second, each with SPS/PPS in band: a viewer can join at any time.
    "-g", "30", "-bsf:v", "dump_extra=freq=keyframe",
    "-payload_type", "96", "-f", "rtp", `rtp://127.0.0.1:${port}`,
  ];
}

test("ffmpeg -> H264 over RTP to an ingest path -> Chromium plays 640x360", async (t) => {
  const rtpPort = await freeUdpPort();
  const node = await startNode({
    paths: [{ name: "cam2", source: { rtp: { host: "127.0.0.1", port: rtpPort, codec: "H264", payloadType: 96, clockRate: 90000 } } }],
  });
  t.after(() => node.stop());

  let ffmpegLog = "";
  const ffmpeg = spawn("ffmpeg", ffmpegRtpArgs(rtpPort), { stdio: ["ignore", "ignore", "pipe"] });
  ffmpeg.stderr.on("data", (chunk: Buffer) => (ffmpegLog = (ffmpegLog + chunk.toString()).slice(-4000)));
  const ffmpegExited = new Promise<void>((resolve) => ffmpeg.once("exit", () => resolve()));
  t.after(async () => {
    ffmpeg.kill("SIGTERM");
    await ffmpegExited;
  });

  await eventually("the node sees the RTP source", 15_000, async () => {
    assert.equal(ffmpeg.exitCode, null, `ffmpeg exited early: ${ffmpegLog}`);
    return (await pathInfo(node.baseUrl, "cam2"))?.publisher === true;
  });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const player = await openPlayerPage(browser.context, node.baseUrl, "cam2", "?audio=0");
  await waitForPageState(player, "playing", 20_000);
  const playback = await watchPlayback(player, 5);

  const steps = decodeSteps(playback.samples);
  assert.ok(steps.every((n) => n > 0), `framesDecoded rises every second: ${steps.join(", ")}`);
  assert.deepEqual({ width: playback.videoWidth, height: playback.videoHeight }, { width: 640, height: 360 });
  const summary = summarize(playback);
  assert.ok((summary.framesDecodedPerSecond ?? 0) > 20, `close to ffmpeg's 30 fps (${summary.framesDecodedPerSecond})`);
  const codec = await player.evaluate(() => (window as any).__mediafleet.stats.codec as string);
  assert.equal(codec, "video/H264");
  const timings = await player.evaluate(() => {
    const m = (window as any).__mediafleet;
    return { connectMs: m.connectTimesMs[0] as number, firstFrameMs: m.firstFrameTimesMs[0] as number };
  });
  const shot = artifactPath("ffmpeg-player.png");
  await player.screenshot({ path: shot });
  t.diagnostic(`ffmpeg RTP -> Chromium: connect ${timings.connectMs} ms, first frame ${timings.firstFrameMs} ms; ${JSON.stringify(summary)}`);
  t.diagnostic(`screenshot: ${shot}`);
});

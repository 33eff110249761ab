/**
 * Drives the media node's own pages in Chromium the way a person would (labels, buttons),
 * and reads what the browser itself measures through getStats() and the <video> element.
 */
import type { BrowserContext, Page } from "playwright-core";

// Names of the page, used only inside callbacks that run in the browser (page.evaluate).
declare const window: any;

export interface PublishOptions {
  codec?: "VP8" | "H264";
  audio?: boolean;
  token?: string;
  timeoutMs?: number;
}

/** Opens `/{path}/publish`, picks the codec, presses "Start publishing", waits until live. */
export async function startPublisherPage(context: BrowserContext, baseUrl: string, path: string, options: PublishOptions = {}): Promise<Page> {
  const page = await context.newPage();
  const query = options.token ? `?token=${encodeURIComponent(options.token)}` : "";
  await page.goto(`${baseUrl}/${path}/publish${query}`);
  await page.getByLabel("Codec").selectOption(options.codec ?? "VP8");
  await page.getByLabel("Microphone").setChecked(options.audio ?? false);
  await page.getByRole("button", { name: "Start publishing" }).click();
  await waitForPageState(page, "publishing", options.timeoutMs ?? 20_000);
  return page;
}

/** Opens the player `/{path}/` (it starts by itself). */
export async function openPlayerPage(context: BrowserContext, baseUrl: string, path: string, query = ""): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/${path}/${query}`);
  return page;
}

/** Waits for `window.__mediafleet.state`; the error names the state it was stuck in. */
export async function waitForPageState(page: Page, state: string, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction((s) => (window as any).__mediafleet?.state === s, state, { timeout: timeoutMs, polling: 100 });
  } catch (err) {
    const seen = await page.evaluate(() => {
      const m = (window as any).__mediafleet;
      return m ? { state: m.state, lastError: m.lastError } : null;
    }).catch(() => null);
    throw new Error(`page ${page.url()} did not reach "${state}" in ${timeoutMs} ms; it shows ${JSON.stringify(seen)}`, { cause: err });
  }
}

export interface InboundSample {
  t: number;
  framesDecoded: number;
  framesDropped: number | null;
  freezeCount: number | null;
  totalFreezesDuration: number | null;
  packetsReceived: number;
  packetsLost: number;
  nackCount: number;
  bytesReceived: number;
  frameWidth: number | null;
  frameHeight: number | null;
}

export interface Playback {
  samples: InboundSample[];
  videoWidth: number;
  videoHeight: number;
  /** Longest gap between two frames the <video> element presented (requestVideoFrameCallback). */
  longestFrameGapMs: number | null;
  presentedFrames: number;
}

/**
 * Watches the player for `seconds`: the video element's own presented frames and a
 * getStats() sample of the video inbound-rtp every second, read from the page's live
 * RTCPeerConnection (the test's measurement, independent of the page's overlay code).
 */
export async function watchPlayback(page: Page, seconds: number): Promise<Playback> {
  // Sent as source text: tsx/esbuild would wrap named functions in a `__name` helper that
  // does not exist inside the page.
  return page.evaluate(`(${WATCH_PLAYBACK_SOURCE})(${Number(seconds)})`) as Promise<Playback>;
}

const WATCH_PLAYBACK_SOURCE = `async function watch(secs) {
  const pc = (window.__mediafleet && window.__mediafleet.pc) || null;
  if (!pc) throw new Error("player has no peer connection");
  const video = document.querySelector("video");
  let presented = 0;
  let lastFrameAt = null;
  let longest = null;
  let watching = true;
  const hasRvfc = typeof video.requestVideoFrameCallback === "function";
  function onFrame(now) {
    if (!watching) return;
    presented++;
    if (lastFrameAt !== null) longest = Math.max(longest ?? 0, now - lastFrameAt);
    lastFrameAt = now;
    video.requestVideoFrameCallback(onFrame);
  }
  if (hasRvfc) video.requestVideoFrameCallback(onFrame);
  const samples = [];
  const started = performance.now();
  for (let i = 0; i <= secs; i++) {
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type !== "inbound-rtp" || s.kind !== "video") return;
      samples.push({
        t: Math.round(performance.now() - started),
        framesDecoded: s.framesDecoded ?? 0,
        framesDropped: s.framesDropped ?? null,
        freezeCount: s.freezeCount ?? null,
        totalFreezesDuration: s.totalFreezesDuration ?? null,
        packetsReceived: s.packetsReceived ?? 0,
        packetsLost: s.packetsLost ?? 0,
        nackCount: s.nackCount ?? 0,
        bytesReceived: s.bytesReceived ?? 0,
        frameWidth: s.frameWidth ?? null,
        frameHeight: s.frameHeight ?? null,
      });
    });
    if (i < secs) await new Promise((r) => setTimeout(r, 1000));
  }
  watching = false;
  // A gap still open at the end counts too: a stream that stopped is a freeze.
  if (lastFrameAt !== null) longest = Math.max(longest ?? 0, performance.now() - lastFrameAt);
  return {
    samples,
    videoWidth: video.videoWidth,
    videoHeight: video.videoHeight,
    longestFrameGapMs: hasRvfc && longest !== null ? Math.round(longest) : null,
    presentedFrames: presented,
  };
}`;

/** Per-second increase of framesDecoded; every step must be > 0 for "rising". */
export function decodeSteps(samples: InboundSample[]): number[] {
  return samples.slice(1).map((s, i) => s.framesDecoded - samples[i]!.framesDecoded);
}

/** Summary numbers for t.diagnostic: rate, loss, NACKs and the picture-quality counters. */
export function summarize(playback: Playback): Record<string, number | null> {
  const first = playback.samples[0]!;
  const last = playback.samples[playback.samples.length - 1]!;
  const seconds = (last.t - first.t) / 1000;
  const delta = (key: keyof InboundSample) => {
    const a = first[key];
    const b = last[key];
    return typeof a === "number" && typeof b === "number" ? b - a : null;
  };
  const received = delta("packetsReceived") ?? 0;
  const lost = delta("packetsLost") ?? 0;
  return {
    seconds: Math.round(seconds * 10) / 10,
    framesDecodedPerSecond: Math.round(((delta("framesDecoded") ?? 0) / seconds) * 10) / 10,
    kbitPerSecond: Math.round(((delta("bytesReceived") ?? 0) * 8) / seconds / 1000),
    packetsReceived: received,
    packetsLost: lost,
    residualLossPercent: received + lost > 0 ? Math.round((lost / (received + lost)) * 10000) / 100 : 0,
    nackCount: delta("nackCount"),
    framesDropped: delta("framesDropped"),
    freezeCount: delta("freezeCount"),
    freezeSeconds: (() => {
      const d = delta("totalFreezesDuration");
      return d === null ? null : Math.round(d * 1000) / 1000;
    })(),
    longestFrameGapMs: playback.longestFrameGapMs,
  };
}

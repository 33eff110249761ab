/**
 * Launches Debian's Chromium through playwright-core for the real-client tests.
 * Flags: the ones DESIGN.md names, plus loopback ICE (the tests' only network) and optional
 * switches for the mDNS behaviour under test.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = process.env.MEDIAFLEET_CHROMIUM ?? "/usr/bin/chromium";

/** DESIGN.md's flags for every Chromium the tests start. */
export const DESIGN_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
] as const;

export interface LaunchOptions {
  /**
   * Keep `--use-fake-ui-for-media-stream` (default true). With it, Chromium treats every page
   * as granted a camera and offers raw-IP host candidates. Without it, a page with no grant
   * offers only `<uuid>.local` names (and only when the namespace has a default route, which
   * `enterFreshNetns` provides): the case that exercises the node's `mdns.mode`.
   */
  fakeMediaUi?: boolean;
  /** `--disable-features=WebRtcHideLocalIpsWithMdns`: raw IPs even without a grant. */
  exposeHostIps?: boolean;
  /** Extra switches, e.g. for a single experiment. */
  extraArgs?: string[];
}

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), "mediafleet-chromium-"));
  const fakeUi = options.fakeMediaUi ?? true;
  const designFlags = DESIGN_FLAGS.filter((flag) => fakeUi || flag !== "--use-fake-ui-for-media-stream");
  const args = [
    ...designFlags,
    // Our only network is loopback; Chromium skips loopback ICE candidates without this.
    "--allow-loopback-in-peer-connection",
    // Background tabs must keep decoding: two pages (publisher and player) share one window.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--autoplay-policy=no-user-gesture-required",
    ...(options.exposeHostIps ? ["--disable-features=WebRtcHideLocalIpsWithMdns"] : []),
    ...(options.extraArgs ?? []),
  ];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      viewport: { width: 800, height: 600 },
      timeout: 30_000,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

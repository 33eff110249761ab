/**
 * The two pages a person opens in a browser: `GET /{path}/` (player, WHEP) and
 * `GET /{path}/publish` (publisher, WHIP). Plain HTML, CSS and browser JavaScript kept as
 * files beside this module (no build step); each page is rendered into one self-contained
 * HTML document so the router serves a single response.
 *
 * The scripts find their endpoint relative to the page address (`whep` / `whip` next to it),
 * so the pages keep working behind a reverse proxy that adds a prefix.
 *
 * Page address options: `?token=T` (both; sent as `Authorization: Bearer T`), `?audio=0`
 * (player: video only), `?stall=S` (player: seconds without a frame before it reconnects, default 4), `?codec=VP8|H264`, `?source=camera|screen`, `?autostart=1`
 * (publisher). Both pages mirror their state and getStats() numbers on
 * `window.__mediafleet` (player: also `data-state`, `data-frames-decoded`, ... on <body>).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ASSETS = ["player.html", "publisher.html", "common.js", "player.js", "publisher.js", "style.css"] as const;
type Asset = (typeof ASSETS)[number];

/**
 * Where the asset files are: beside this module when run from source (tsx) or when the
 * image copies them into dist/ (the Dockerfile does); from a local `tsc` build in dist/
 * the source folder is found at the same relative place under the repository root.
 */
function assetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, "../../../../media-node/http/pages")];
  const found = candidates.find((dir) => existsSync(join(dir, "player.html")));
  if (!found) throw new Error(`page assets not found; looked in ${candidates.join(", ")}`);
  return found;
}

let cache: Map<Asset, string> | undefined;

function asset(name: Asset): string {
  if (!cache) {
    const dir = assetDir();
    cache = new Map(ASSETS.map((file) => [file, readFileSync(join(dir, file), "utf8")] as const));
  }
  return cache.get(name)!;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** Fills `{{NAME}}` placeholders; values are inserted literally (no `$&` surprises). */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z]+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

function render(template: Asset, script: Asset, path: string): string {
  return fill(asset(template), {
    PATH: escapeHtml(path),
    STYLE: asset("style.css"),
    SCRIPT: asset("common.js") + "\n" + asset(script),
  });
}

/** The player page for `GET /{path}/`: HTML (`text/html; charset=utf-8`). */
export function renderPlayerPage(path: string): string {
  return render("player.html", "player.js", path);
}

/** The publisher page for `GET /{path}/publish`: HTML (`text/html; charset=utf-8`). */
export function renderPublisherPage(path: string): string {
  return render("publisher.html", "publisher.js", path);
}

/** Headers the router should send with either page. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-cache",
  "X-Content-Type-Options": "nosniff",
  // Camera, microphone and screen capture are allowed for this origin only.
  "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self)",
};

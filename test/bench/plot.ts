/**
 * Charts of a fan-out benchmark result: in-use memory after GC, server CPU per delivered
 * packet, and loss, each against the number of viewers, one line per mode.
 *
 *   npx tsx test/bench/plot.ts [bench-results/fanout-....json] [--png]
 *
 * Writes an SVG beside the JSON (and a PNG through headless Chromium with --png).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RESULTS_DIR } from "./paths.js";

interface Step {
  viewers: number;
  connectedViewers: number;
  cpuUsPerDeliveredPacket: number;
  lossPercent: number;
  memory: { inUse: number };
}
interface Result {
  mode: string;
  steps: Step[];
  idleMemory: { inUse: number };
}
interface BenchDocument {
  startedAt: string;
  results: Result[];
}

const COLORS: Record<string, string> = { stock: "#d62728", shared: "#2ca02c", perViewer: "#ff7f0e", off: "#1f77b4" };
const W = 420;
const H = 300;
const PAD = { left: 60, right: 16, top: 34, bottom: 44 };

interface Panel {
  title: string;
  unit: string;
  series: Array<{ mode: string; points: Array<[number, number]> }>;
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((v) => v >= value)!;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function renderPanel(panel: Panel, x0: number): string {
  const all = panel.series.flatMap((s) => s.points);
  const maxX = niceMax(Math.max(...all.map(([x]) => x), 1));
  const maxY = niceMax(Math.max(...all.map(([, y]) => y), 0));
  const px = (x: number) => x0 + PAD.left + (x / maxX) * (W - PAD.left - PAD.right);
  const py = (y: number) => PAD.top + (1 - Math.min(y, maxY) / maxY) * (H - PAD.top - PAD.bottom);
  const out: string[] = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(panel.title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4;
    out.push(`<line x1="${px(0)}" x2="${px(maxX)}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${px(0) - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${Number(y.toPrecision(3))}</text>`);
    const x = (maxX * i) / 4;
    out.push(`<text x="${px(x)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${Number(x.toPrecision(3))}</text>`);
  }
  out.push(`<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">viewers</text>`);
  out.push(`<text x="${x0 + 14}" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${x0 + 14} ${H / 2})">${esc(panel.unit)}</text>`);
  out.push(`<rect x="${px(0)}" y="${PAD.top}" width="${px(maxX) - px(0)}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#888"/>`);
  for (const s of panel.series) {
    const color = COLORS[s.mode] ?? "#555";
    const path = s.points.map(([x, y], i) => `${i ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
  }
  return out.join("\n");
}

export function renderSvg(doc: BenchDocument): string {
  const panels: Panel[] = [
    {
      title: "in-use memory after GC",
      unit: "MB (heapUsed + external)",
      series: doc.results.map((r) => ({ mode: r.mode, points: [[0, r.idleMemory.inUse / 1e6] as [number, number], ...r.steps.map((s) => [s.connectedViewers, s.memory.inUse / 1e6] as [number, number])] })),
    },
    {
      title: "server CPU per delivered packet",
      unit: "µs",
      series: doc.results.map((r) => ({ mode: r.mode, points: r.steps.filter((s) => Number.isFinite(s.cpuUsPerDeliveredPacket)).map((s) => [s.viewers, s.cpuUsPerDeliveredPacket] as [number, number]) })),
    },
    {
      title: "packet loss",
      unit: "% of packets",
      series: doc.results.map((r) => ({ mode: r.mode, points: r.steps.map((s) => [s.viewers, s.lossPercent] as [number, number]) })),
    },
  ];
  const width = W * panels.length;
  const legend = doc.results
    .map((r, i) => `<rect x="${20 + i * 110}" y="${H + 8}" width="12" height="12" fill="${COLORS[r.mode] ?? "#555"}"/><text x="${36 + i * 110}" y="${H + 18}" font-size="12">${esc(r.mode)}</text>`)
    .join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 50}" viewBox="0 0 ${width} ${H + 50}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => renderPanel(p, i * W)),
    legend,
    `<text x="${width - 10}" y="${H + 40}" text-anchor="end" font-size="10" fill="#666">fan-out benchmark ${esc(doc.startedAt)}</text>`,
    "</svg>",
  ].join("\n");
}

function latestResult(): string {
  if (!existsSync(RESULTS_DIR)) throw new Error(`no ${RESULTS_DIR}; run npm run bench:fanout first`);
  const files = readdirSync(RESULTS_DIR).filter((f) => /^fanout-.*\.json$/.test(f)).sort();
  if (!files.length) throw new Error(`no fanout-*.json in ${RESULTS_DIR}`);
  return join(RESULTS_DIR, files.at(-1)!);
}

async function toPng(svgFile: string, pngFile: string, width: number, height: number): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(readFileSync(svgFile, "utf8"));
    await page.screenshot({ path: pngFile, clip: { x: 0, y: 0, width, height } });
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--")) ?? latestResult();
  const doc = JSON.parse(readFileSync(file, "utf8")) as BenchDocument;
  const svg = renderSvg(doc);
  const svgFile = file.replace(/\.json$/, ".svg");
  writeFileSync(svgFile, svg);
  process.stdout.write(`${svgFile}\n`);
  if (args.includes("--png")) {
    const pngFile = file.replace(/\.json$/, ".png");
    const size = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    await toPng(svgFile, pngFile, Number(size[1]), Number(size[2]));
    process.stdout.write(`${pngFile}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main().catch((error: Error) => {
  process.stderr.write(`plot: ${error.message}\n`);
  process.exit(1);
});

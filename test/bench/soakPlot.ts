/**
 * The soak over time as SVG (pure): three panels on one time axis — heap after GC (one dot
 * per major GC, the fitted growth as a line), RSS, and viewers — with a dashed line at each
 * restart of the RTP source. Memory of different sizes gets its own panel so that the heap's
 * small moves are not flattened under RSS. No dependency; any browser renders it.
 */
import { niceStep } from "./timeline.js";

export interface SoakPlotInput {
  title: string;
  /** [seconds, MB] */
  heap: Array<[number, number]>;
  /** Fitted heap at the start and the end of the fit, [seconds, MB]. */
  fit?: [[number, number], [number, number]];
  rss: Array<[number, number]>;
  /** [seconds, viewers] */
  viewers: Array<[number, number]>;
  restartsS: number[];
  endS: number;
}

const W = 900;
const PANEL_H = 170;
const PAD = { left: 70, right: 20, top: 36, gap: 26, bottom: 40 };

const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const f1 = (v: number) => v.toFixed(1);

interface Panel {
  label: string;
  color: string;
  series: Array<[number, number]>;
  dots?: boolean;
  line?: Array<[number, number]>;
}

/** The y range a panel shows: from a round value under its data to one over it (not from 0: the heap's drift must show). */
function yRange(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const step = niceStep(Math.max(hi - lo, Math.abs(hi) * 0.02, 1e-9), 4);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step + (hi === lo ? step : 0)];
}

export function renderSoakPlot(input: SoakPlotInput): string {
  const panels: Panel[] = [
    { label: "heap after GC, MB", color: "#1f77b4", series: input.heap, dots: true, ...(input.fit ? { line: input.fit } : {}) },
    { label: "RSS, MB", color: "#d62728", series: input.rss },
    { label: "viewers", color: "#2ca02c", series: input.viewers },
  ];
  const height = PAD.top + panels.length * (PANEL_H + PAD.gap) + PAD.bottom;
  const tMax = Math.max(1, input.endS);
  const x = (t: number) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">${escapeText(input.title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = PAD.top + i * (PANEL_H + PAD.gap);
    const [lo, hi] = yRange([...panel.series.map(([, v]) => v), ...(panel.line ?? []).map(([, v]) => v)]);
    const y = (v: number) => top + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
    const step = niceStep(hi - lo, 4);
    for (let v = lo; v <= hi + step / 1e6; v += step) {
      out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f1(y(v))}" y2="${f1(y(v))}" stroke="#eee"/>`);
      out.push(`<text x="${PAD.left - 6}" y="${f1(y(v) + 4)}" text-anchor="end">${Number(v.toPrecision(4))}</text>`);
    }
    out.push(`<rect x="${PAD.left}" y="${top}" width="${W - PAD.left - PAD.right}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
    out.push(`<text x="${PAD.left + 6}" y="${top + 14}" fill="${panel.color}" font-weight="bold">${escapeText(panel.label)}</text>`);
    for (const t of input.restartsS) out.push(`<line x1="${f1(x(t))}" x2="${f1(x(t))}" y1="${top}" y2="${top + PANEL_H}" stroke="#888" stroke-dasharray="4 3"/>`);
    if (panel.series.length > 0) {
      const d = panel.series.map(([t, v], j) => `${j ? "L" : "M"}${f1(x(t))},${f1(y(v))}`).join(" ");
      out.push(`<path d="${d}" fill="none" stroke="${panel.color}" stroke-width="${panel.dots ? 1 : 1.5}"${panel.dots ? ' stroke-opacity="0.5"' : ""}/>`);
    }
    if (panel.dots) for (const [t, v] of panel.series) out.push(`<circle cx="${f1(x(t))}" cy="${f1(y(v))}" r="2.5" fill="${panel.color}"/>`);
    if (panel.line) {
      const [[t0, v0], [t1, v1]] = panel.line;
      out.push(`<line x1="${f1(x(t0))}" y1="${f1(y(v0))}" x2="${f1(x(t1))}" y2="${f1(y(v1))}" stroke="#000" stroke-width="1.5" stroke-dasharray="6 3"/>`);
    }
  });
  const axisY = PAD.top + panels.length * (PANEL_H + PAD.gap) - PAD.gap;
  const minutes = tMax / 60;
  const tick = niceStep(minutes, 10);
  for (let m = 0; m <= minutes + tick / 1e6; m += tick) out.push(`<text x="${f1(x(m * 60))}" y="${axisY + 16}" text-anchor="middle">${Number(m.toPrecision(4))}</text>`);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${axisY + 32}" text-anchor="middle">minutes (dashed: RTP source restarted; black dashes: fitted growth)</text>`);
  out.push("</svg>");
  return out.join("\n");
}

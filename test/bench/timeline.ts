/**
 * A timeline chart as SVG (pure): one line per pod (memory over time), coloured by role,
 * with vertical markers for what happened (rollout, canary Ready, rollback). Used by the demo
 * (`npm start`) and the rollback benchmark; no dependency, readable in any browser.
 */

export interface TimelineSeries {
  label: string;
  role: string;
  /** [seconds, bytes] */
  points: Array<[number, number]>;
}

export interface TimelineMarker {
  t: number;
  label: string;
}

export interface Timeline {
  title: string;
  series: TimelineSeries[];
  markers: TimelineMarker[];
}

const ROLE_COLORS: Record<string, string> = { stable: "#1f77b4", canary: "#d62728", baseline: "#2ca02c" };
const W = 900;
const H = 380;
const PAD = { left: 64, right: 250, top: 40, bottom: 44 };

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

/** 1, 2 or 5 times a power of ten, so ticks read well. */
export function niceStep(range: number, ticks: number): number {
  if (!(range > 0)) return 1;
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  return step;
}

export function renderTimeline(timeline: Timeline): string {
  const all = timeline.series.flatMap((s) => s.points);
  const tMax = Math.max(1, ...all.map(([t]) => t), ...timeline.markers.map((m) => m.t));
  const yMaxMb = Math.max(1, ...all.map(([, b]) => b / 1e6)) * 1.1;
  const x = (t: number) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
  const y = (mb: number) => H - PAD.bottom - (mb / yMaxMb) * (H - PAD.top - PAD.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">${escapeXml(timeline.title)}</text>`,
  ];
  const yStep = niceStep(yMaxMb, 5);
  for (let v = 0; v <= yMaxMb; v += yStep) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  const tStep = niceStep(tMax, 8);
  for (let t = 0; t <= tMax; t += tStep) out.push(`<text x="${x(t).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t}</text>`);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" text-anchor="middle">seconds</text>`);
  out.push(`<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" transform="rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})" text-anchor="middle">heap after GC + external, MB</text>`);
  out.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>`);
  timeline.markers.forEach((m, i) => {
    const mx = x(m.t).toFixed(1);
    out.push(`<line x1="${mx}" x2="${mx}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#888" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${(x(m.t) + 3).toFixed(1)}" y="${PAD.top + 12 + (i % 3) * 12}" fill="#555">${escapeXml(m.label)}</text>`);
  });
  timeline.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = ROLE_COLORS[s.role] ?? "#7f7f7f";
    const d = s.points.map(([t, b], j) => `${j === 0 ? "M" : "L"}${x(t).toFixed(1)},${y(b / 1e6).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.role === "stable" ? ' stroke-opacity="0.6"' : ""}/>`);
    const ly = PAD.top + 14 + i * 16;
    out.push(`<line x1="${W - PAD.right + 10}" x2="${W - PAD.right + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    const short = s.label.length > 24 ? `…${s.label.slice(-22)}` : s.label;
    out.push(`<text x="${W - PAD.right + 32}" y="${ly}">${escapeXml(`${s.role} ${short}`)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

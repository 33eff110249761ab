/** Reads a Prometheus text exposition into numbers the tests can compare. */

export interface Sample { name: string; labels: Record<string, string>; value: number }

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export class MetricsSnapshot {
  constructor(readonly samples: Sample[]) {}

  /** Sum of every series of `name` whose labels include `where`. */
  sum(name: string, where: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
      .reduce((total, s) => total + s.value, 0);
  }

  /** label value -> summed value, e.g. outcomes of mediafleet_mdns_candidates_total. */
  byLabel(name: string, label: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.samples) {
      if (s.name !== name) continue;
      const key = s.labels[label] ?? "";
      out[key] = (out[key] ?? 0) + s.value;
    }
    return out;
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

export async function scrapeMetrics(url: string): Promise<MetricsSnapshot> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url} -> ${response.status}`);
  return new MetricsSnapshot(parsePrometheusText(await response.text()));
}

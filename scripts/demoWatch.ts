/**
 * What the demo shows while the story runs: the pods of the MediaServer with their role, image,
 * readiness, memory and viewers (memory and viewers as the operator scraped them, from its own
 * /metrics), a recorder of memory per pod over time for the plot, and the closing report.
 */
import { kubectlOk } from "../test/cluster/kubectl.js";
import type { TimelineMarker, TimelineSeries } from "../test/bench/timeline.js";

export interface PodRow {
  name: string;
  role: string;
  image: string;
  ip: string;
  ready: boolean;
  memoryBytes?: number;
  viewers?: number;
}

export async function podRows(kubeconfig: string, instance: string, operatorMetricsUrl: string): Promise<PodRow[]> {
  const list = JSON.parse(await kubectlOk(kubeconfig, ["get", "pods", "-l", `app.kubernetes.io/instance=${instance}`, "-o", "json"])) as {
    items: Array<{ metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; spec: { containers: Array<{ image: string }> }; status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }>;
  };
  const scraped = await operatorGauges(operatorMetricsUrl).catch(() => new Map<string, { memory?: number; viewers?: number }>());
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      role: p.metadata.labels?.["mediafleet.io/role"] ?? "?",
      image: p.spec.containers[0]?.image.replace(/^.*\//, "") ?? "",
      ip: p.status?.podIP ?? "",
      ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      ...(scraped.get(p.metadata.name)?.memory !== undefined ? { memoryBytes: scraped.get(p.metadata.name)!.memory } : {}),
      ...(scraped.get(p.metadata.name)?.viewers !== undefined ? { viewers: scraped.get(p.metadata.name)!.viewers } : {}),
    }))
    .sort((a, b) => a.role.localeCompare(b.role) || a.name.localeCompare(b.name));
}

/** mediafleet_pod_memory_bytes and mediafleet_pod_viewers by pod, from the operator. */
async function operatorGauges(url: string): Promise<Map<string, { memory?: number; viewers?: number }>> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
  const out = new Map<string, { memory?: number; viewers?: number }>();
  for (const line of text.split("\n")) {
    const match = /^(mediafleet_pod_memory_bytes|mediafleet_pod_viewers)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const pod = /pod="([^"]*)"/.exec(match[2]!)?.[1];
    if (!pod) continue;
    const entry = out.get(pod) ?? {};
    if (match[1] === "mediafleet_pod_memory_bytes") entry.memory = Number(match[3]);
    else entry.viewers = Number(match[3]);
    out.set(pod, entry);
  }
  return out;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? "—" : `${(bytes / 1e6).toFixed(1)} MB`);

export function formatTable(rows: PodRow[]): string {
  const lines = ["| pod | role | image | ready | heap after GC + external | viewers |", "|---|---|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.name} | ${r.role} | ${r.image} | ${r.ready ? "yes" : "no"} | ${mb(r.memoryBytes)} | ${r.viewers ?? "—"} |`);
  return lines.join("\n");
}

/** Memory per pod over time (seconds since `startMs`), for the plot. */
export class TimelineRecorder {
  private readonly series = new Map<string, TimelineSeries>();
  readonly markers: TimelineMarker[] = [];

  constructor(private readonly startMs: number) {}

  now(): number {
    return Math.round((Date.now() - this.startMs) / 100) / 10;
  }

  record(rows: PodRow[]): void {
    const t = this.now();
    for (const r of rows) {
      if (r.memoryBytes === undefined) continue;
      const s = this.series.get(r.name) ?? { label: r.name, role: r.role, points: [] };
      s.points.push([t, r.memoryBytes]);
      this.series.set(r.name, s);
    }
  }

  mark(label: string, atMs = Date.now()): void {
    this.markers.push({ t: Math.round((atMs - this.startMs) / 100) / 10, label });
  }

  all(): TimelineSeries[] {
    return [...this.series.values()];
  }
}

interface Growth { function: string; location?: string; growthBytes: number }

/** The closing report of a rollback, from the MediaServer's status. */
export function rollbackReport(ms: { status?: { lastGoodImage?: string; analysis?: { image: string; phase: string; reason?: string; message?: string; readyAt?: string; finishedAt?: string; heapInuseBytes?: number; baselineHeapInuseBytes?: number; regressionPercent?: number; topGrowth?: Growth[] } } }, rolloutAtMs: number): string {
  const a = ms.status?.analysis;
  if (!a) return "no analysis in status";
  const detect = a.readyAt && a.finishedAt ? (Date.parse(a.finishedAt) - Date.parse(a.readyAt)) / 1000 : undefined;
  const total = a.finishedAt ? (Date.parse(a.finishedAt) - rolloutAtMs) / 1000 : undefined;
  const lines = [
    `revision ${a.image}: ${a.phase} (${a.reason ?? ""})`,
    `  canary   ${mb(a.heapInuseBytes)}   baseline ${mb(a.baselineHeapInuseBytes)}   regression ${a.regressionPercent !== undefined ? `${a.regressionPercent.toFixed(0)} %` : "—"}`,
    `  verdict  ${a.message ?? ""}`,
    `  time     ${detect !== undefined ? `${detect.toFixed(0)} s from canary and baseline Ready to the decision` : "—"}; ${total !== undefined ? `${Math.max(0, total).toFixed(0)} s from the rollout to the rollback` : ""}`,
    `  grew     ${(a.topGrowth ?? []).slice(0, 3).map((g) => `${g.function} (${g.location ?? "?"}) +${mb(g.growthBytes)}`).join("; ") || "—"}`,
    `  fleet    still on ${ms.status?.lastGoodImage ?? "?"}`,
  ];
  return lines.join("\n");
}

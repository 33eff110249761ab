/**
 * The operator's Prometheus metrics, on a registry of its own (tests can run several
 * operators' metric sets in one process without name clashes).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<"result">;
  reconcileDuration: Histogram;
  rollbacksTotal: Counter;
  scrapeErrorsTotal: Counter<"reason">;
  podMemoryBytes: Gauge<"namespace" | "mediaserver" | "pod" | "role">;
  podViewers: Gauge<"namespace" | "mediaserver" | "pod" | "role">;
  kubeRequestsTotal: Counter<"verb" | "resource">;
  kubeRequestDuration: Histogram<"verb" | "code">;
  isLeader: Gauge;
  queueDepth: Gauge;
}

export function createOperatorMetrics(options: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: "mediafleet_reconcile_total",
      help: "Reconciles of MediaServers by result (success, error, conflict).",
      labelNames: ["result"] as const,
      registers,
    }),
    reconcileDuration: new Histogram({
      name: "mediafleet_reconcile_duration_seconds",
      help: "Time one reconcile of a MediaServer took.",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rollbacksTotal: new Counter({ name: "mediafleet_rollbacks_total", help: "Revisions rolled back (heap regression or growth, OOM kill, crash, not Ready in time).", registers }),
    scrapeErrorsTotal: new Counter({
      name: "mediafleet_scrape_errors_total",
      help: "Failed scrapes of pod metrics or heap profiles, by reason (timeout, refused, unauthorized, http_error, too_large, malformed).",
      labelNames: ["reason"] as const,
      registers,
    }),
    podMemoryBytes: new Gauge({
      name: "mediafleet_pod_memory_bytes",
      help: "Memory the analysis judges (heap after the last major GC + external) of each scraped media-node pod, at the latest scrape.",
      labelNames: ["namespace", "mediaserver", "pod", "role"] as const,
      registers,
    }),
    podViewers: new Gauge({
      name: "mediafleet_pod_viewers",
      help: "Viewers of each scraped media-node pod, at the latest scrape.",
      labelNames: ["namespace", "mediaserver", "pod", "role"] as const,
      registers,
    }),
    kubeRequestsTotal: new Counter({
      name: "mediafleet_kube_requests_total",
      help: "Requests to the Kubernetes API server by verb and resource (watches count once per connection).",
      labelNames: ["verb", "resource"] as const,
      registers,
    }),
    kubeRequestDuration: new Histogram({
      name: "mediafleet_kube_request_duration_seconds",
      help: "Time to the response headers of requests to the Kubernetes API server (watches: until the stream opened).",
      labelNames: ["verb", "code"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    isLeader: new Gauge({ name: "mediafleet_operator_leader", help: "1 while this replica holds the leader lease.", registers }),
    queueDepth: new Gauge({ name: "mediafleet_workqueue_depth", help: "MediaServer keys waiting in the work queue.", registers }),
  };
}

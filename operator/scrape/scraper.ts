/**
 * One scrape of one pod: /metrics and /debug/pprof/heap fetched in parallel, turned into a
 * PodSample. Metrics are the sample; the profile only adds sites, so a failed profile still
 * yields a sample (sites undefined) and a failed metrics fetch yields none. Never throws:
 * every failure is returned with its reason, for events and the scrape-error counter.
 * The heap URL never carries `?gc=1`: a forced full GC stalls every viewer's media on the pod.
 */
import type { PodRole, PodSample, ScrapeErrorReason } from "../analysis/types.js";
import { asScrapeError } from "./errors.js";
import { readHeapProfile, type FoldedProfile } from "./heapProfile.js";
import { boundedGet, DEFAULT_TIMEOUT_MS, METRICS_MAX_BYTES, PROFILE_MAX_BYTES } from "./http.js";
import { parseMetricsBody, type MetricsReading } from "./metricsText.js";

export interface ScrapeTarget {
  pod: string;
  ip: string;
  metricsPort: number;
  pprofPort: number;
  role: PodRole;
  revision: string;
  podStartMs: number;
}

export interface ScrapeOptions {
  /** The profiling listener's bearer token (MediaServer spec.profiling); metrics are unauthenticated. */
  token?: string;
  /** Per request, connect to last body byte. */
  timeoutMs?: number;
  /** Fetch and fold the heap profile too (default true). */
  profile?: boolean;
  now?: () => number;
  metricsMaxBytes?: number;
  profileMaxBytes?: number;
}

export interface ScrapeFailure {
  pod: string;
  reason: ScrapeErrorReason;
  what: "metrics" | "profile";
  message: string;
}

export interface PodScrape {
  sample?: PodSample;
  errors: ScrapeFailure[];
  /** Series read from fallbacks (see MetricsReading.fallbacks), worth a log line, not an event. */
  notes: string[];
  /** Profile totals beside the sites, when the profile was read. */
  profile?: Omit<FoldedProfile, "sites">;
}

/** IPv6 pod IPs need brackets in a URL. */
function baseUrl(ip: string, port: number): string {
  return `http://${ip.includes(":") ? `[${ip}]` : ip}:${port}`;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; failure: ScrapeFailure };

async function attempt<T>(pod: string, what: ScrapeFailure["what"], run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    const { reason, message } = asScrapeError(error);
    return { ok: false, failure: { pod, reason, what, message } };
  }
}

export async function scrapePod(target: ScrapeTarget, options: ScrapeOptions = {}): Promise<PodScrape> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const metricsUrl = `${baseUrl(target.ip, target.metricsPort)}/metrics`;
  const heapUrl = `${baseUrl(target.ip, target.pprofPort)}/debug/pprof/heap`;
  const [metrics, profile] = await Promise.all([
    attempt(target.pod, "metrics", async (): Promise<MetricsReading> => {
      // The classic text format: the parser does not read OpenMetrics.
      const got = await boundedGet(metricsUrl, { timeoutMs, maxBytes: options.metricsMaxBytes ?? METRICS_MAX_BYTES, accept: "text/plain;version=0.0.4" });
      return parseMetricsBody(got.body);
    }),
    options.profile === false
      ? undefined
      : attempt(target.pod, "profile", async (): Promise<FoldedProfile> => {
          const got = await boundedGet(heapUrl, { timeoutMs, maxBytes: options.profileMaxBytes ?? PROFILE_MAX_BYTES, token: options.token });
          return readHeapProfile(got.body);
        }),
  ]);
  const errors = [metrics, profile].flatMap((o) => (o && !o.ok ? [o.failure] : []));
  const folded = profile?.ok ? profile.value : undefined;
  const result: PodScrape = { errors, notes: metrics.ok ? metrics.value.fallbacks : [] };
  if (folded) result.profile = { totalBytes: folded.totalBytes, externalBytes: folded.externalBytes, unsampledBytes: folded.unsampledBytes };
  if (metrics.ok) {
    const m = metrics.value;
    result.sample = {
      pod: target.pod,
      revision: target.revision,
      role: target.role,
      podStartMs: target.podStartMs,
      timeMs: (options.now ?? Date.now)(),
      heapAfterGcBytes: m.heapAfterGcBytes,
      externalBytes: m.externalBytes,
      rssBytes: m.rssBytes,
      viewers: m.viewers,
      publishers: m.publishers,
      ...(m.majorGcs !== undefined ? { majorGcs: m.majorGcs } : {}),
      sites: folded?.sites,
    };
  }
  return result;
}

/** Scrapes every target with at most `concurrency` pods in flight; results in target order. */
export async function scrapeAll(targets: ScrapeTarget[], options: ScrapeOptions & { concurrency?: number } = {}): Promise<PodScrape[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8) || 1);
  const results = new Array<PodScrape>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      results[index] = await scrapePod(targets[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return results;
}

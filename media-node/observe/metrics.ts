/**
 * Every metric the media node exports, in one registry. Counters are cheap increments on
 * the hot path; per-path gauges ask the live sessions at scrape time (`setPathStatsReader`),
 * so nothing has to keep them in sync.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { gcMemoryReading, startGcMemoryObserver, type GcMemoryReading } from "./gcMemory.js";

export interface PathStats {
  path: string;
  publishers: number;
  viewers: number;
}

/** One path's viewers, as the viewer-loss gauge reads them at scrape time. */
export interface PathViewerLoss {
  path: string;
  /**
   * Each viewer's fraction lost (0..1) from its latest RTCP receiver report, the worst of its
   * streams; undefined for a viewer that has not reported yet.
   */
  viewers: Iterable<number | undefined>;
}

export interface LossSummary {
  /** Viewers that have reported. */
  reporting: number;
  mean: number;
  max: number;
}

/**
 * Mean and worst over the viewers that have reported; undefined when none has (no report is
 * not the same as no loss, so the path then has no sample at all).
 */
export function summarizeViewerLoss(viewers: Iterable<number | undefined>): LossSummary | undefined {
  let reporting = 0;
  let sum = 0;
  let max = 0;
  for (const fraction of viewers) {
    if (fraction === undefined) continue;
    reporting++;
    sum += fraction;
    if (fraction > max) max = fraction;
  }
  return reporting === 0 ? undefined : { reporting, mean: sum / reporting, max };
}

export interface BuildInfo {
  version: string;
  commit: string;
  image: string;
}

export function createMetrics(build: BuildInfo, options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  let readPaths: () => PathStats[] = () => [];
  let readHistoryBytes: () => number = () => 0;
  let readViewerLoss: () => Iterable<PathViewerLoss> = () => [];

  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  // Started here, not with the listeners: GCs before the first scrape must be seen too.
  startGcMemoryObserver();
  const afterGc = (name: string, help: string, value: (r: GcMemoryReading) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(gcMemoryReading()));
      },
    });

  const metrics = {
    registry,
    viewers: new Gauge({
      name: "mediafleet_viewers",
      help: "WHEP viewers connected, per path",
      labelNames: ["path"],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of readPaths()) this.set({ path: p.path }, p.viewers);
      },
    }),
    publishers: new Gauge({
      name: "mediafleet_publishers",
      help: "publishers (WHIP or RTP ingest) feeding each path",
      labelNames: ["path"],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of readPaths()) this.set({ path: p.path }, p.publishers);
      },
    }),
    nackHistoryBytes: new Gauge({
      name: "mediafleet_nack_history_bytes",
      help: "bytes held by NACK retransmission histories (shared rings or per-viewer caches)",
      registers: [registry],
      collect() {
        this.set(readHistoryBytes());
      },
    }),
    // Per path, never per viewer: a label per viewer would grow the series without bound as
    // viewers come and go. The sessions keep one number per viewer (its latest report); the
    // mean and the worst are worked out here, only when Prometheus asks.
    viewerFractionLost: new Gauge({
      name: "mediafleet_viewer_fraction_lost",
      help: "fraction lost (0..1) in viewers' latest RTCP receiver reports, per path: stat=\"mean\" over the viewers that have reported, stat=\"max\" the worst of them (a viewer counts once, with its worst stream)",
      labelNames: ["path", "stat"],
      registers: [registry],
      collect() {
        this.reset();
        for (const { path, viewers } of readViewerLoss()) {
          const summary = summarizeViewerLoss(viewers);
          if (!summary) continue;
          this.set({ path, stat: "mean" }, summary.mean);
          this.set({ path, stat: "max" }, summary.max);
        }
      },
    }),
    weriftPeers: new Gauge({
      name: "mediafleet_werift_peer_connections",
      help: "werift peer connections of sessions not yet garbage-collected (publishers; viewers only until their connection is linked)",
      registers: [registry],
    }),
    buildInfo: new Gauge({
      name: "mediafleet_build_info",
      help: "build of this media node (value is always 1)",
      labelNames: ["version", "commit", "image"],
      registers: [registry],
    }),
    heapAfterGc: afterGc("mediafleet_heap_after_gc_bytes", "JS heap used right after the last major GC (current value before the first one)", (r) => r.heapUsed),
    externalAfterGc: afterGc("mediafleet_external_after_gc_bytes", "external memory (Buffers, ArrayBuffers, native memory V8 is told about) right after the last major GC", (r) => r.external),
    arrayBuffersAfterGc: afterGc("mediafleet_array_buffers_after_gc_bytes", "ArrayBuffer and Buffer memory right after the last major GC", (r) => r.arrayBuffers),
    heapAfterGcAge: afterGc("mediafleet_heap_after_gc_age_seconds", "seconds since the *_after_gc_bytes values were read (0 before the first major GC: they are current)", (r) => Math.max(0, Date.now() - r.atMs) / 1000),
    majorGcs: new Counter({
      name: "mediafleet_major_gcs_total",
      help: "major (mark-compact) GCs seen by this process",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(gcMemoryReading().majorGcs);
      },
    }),
    rtpPacketsSent: counter("mediafleet_rtp_packets_sent_total", "RTP packets sent to viewers (first transmissions)"),
    rtpBytesSent: counter("mediafleet_rtp_bytes_sent_total", "RTP bytes sent to viewers (first transmissions, before SRTP)"),
    sourceRestarts: counter("mediafleet_source_restarts_total", "times a source started numbering its packets afresh (new SSRC or a sequence jump); its viewers continue their own numbering", ["path", "kind"]),
    rtpPacketsReceived: counter("mediafleet_rtp_packets_received_total", "RTP packets received from publishers and RTP ingest"),
    rtpBytesReceived: counter("mediafleet_rtp_bytes_received_total", "RTP bytes received from publishers and RTP ingest"),
    nackRequests: counter("mediafleet_nack_requests_total", "sequence numbers viewers asked to be retransmitted"),
    retransmittedPackets: counter("mediafleet_rtp_retransmitted_packets_total", "packets retransmitted in answer to NACKs"),
    nackMisses: counter("mediafleet_nack_misses_total", "NACKed packets no longer (or never) in the history"),
    nackSuppressed: counter("mediafleet_nack_suppressed_total", "repeated NACKs for a packet already resent within a round trip"),
    viewersLinked: counter("mediafleet_viewers_linked_total", "viewer connections taken over from werift once connected (sent to without a werift peer connection)"),
    rtcpSenderReports: counter("mediafleet_rtcp_sender_reports_total", "RTCP sender reports sent to viewers"),
    pliForwarded: counter("mediafleet_pli_forwarded_total", "keyframe requests forwarded to publishers (after rate limiting)"),
    mdnsQueries: counter("mediafleet_mdns_queries_total", "mDNS queries sent to resolve .local candidates"),
    mdnsCandidates: counter("mediafleet_mdns_candidates_total", "remote .local candidates by outcome", ["outcome"]),
    iceDatagramsDropped: counter("mediafleet_ice_datagrams_dropped_total", "datagrams on the ICE port dropped, by reason", ["reason"]),
    malformedInput: counter("mediafleet_malformed_input_total", "malformed or unexpected input counted and dropped", ["kind", "reason"]),
    httpRequests: counter("mediafleet_http_requests_total", "HTTP requests by route and status", ["route", "status"]),
    tokenFileErrors: counter("mediafleet_token_file_errors_total", "failed re-reads of a path's token file (the last good token stays in force)", ["path", "field"]),
    sessionsEnded: counter("mediafleet_sessions_ended_total", "sessions ended, by kind and reason", ["kind", "reason"]),

    setPathStatsReader(reader: () => PathStats[]) {
      readPaths = reader;
    },
    setHistoryBytesReader(reader: () => number) {
      readHistoryBytes = reader;
    },
    setViewerLossReader(reader: () => Iterable<PathViewerLoss>) {
      readViewerLoss = reader;
    },
  };
  metrics.buildInfo.set({ ...build }, 1);
  return metrics;
}

export type MediaNodeMetrics = ReturnType<typeof createMetrics>;

export function buildInfoFromEnv(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  return {
    version: env.MEDIAFLEET_VERSION ?? "0.1.0",
    commit: env.MEDIAFLEET_COMMIT ?? "unknown",
    image: env.MEDIAFLEET_IMAGE ?? "local",
  };
}

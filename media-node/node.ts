/**
 * Wiring: one media node = peer factory (ICE), report wheel, paths and sessions, RTP
 * ingests and test patterns, the public HTTP listener and the observability listeners
 * (metrics and pprof, media-node/observe).
 * `startMediaNode` brings them up in order; `stop()` drains them in reverse, idempotently.
 */
import type { Logger } from "pino";
import { parseDuration } from "../common/duration.js";
import type { MediaNodeConfig } from "./config/types.js";
import { createFanoutSource, createReportScheduler } from "./fanout/index.js";
import type { FanoutFactory } from "./fanout/types.js";
import { renderPlayerPage, renderPublisherPage, PAGE_HEADERS } from "./http/pages/pages.js";
import { createHttpServer, type PageHandler } from "./http/server.js";
import { loadPathTokens, type TokenFileEvents } from "./http/tokenSource.js";
import { startRtpIngest, type RtpIngest } from "./ingest/rtpIngest.js";
import { startTestPattern, type TestPattern } from "./ingest/testPattern.js";
import { startIceEndpoint, type IceEventSink } from "./ice/endpoint.js";
import { closeServer, listenOn } from "./listen.js";
import type { MediaNodeMetrics } from "./observe/metrics.js";
import { startObserveServers } from "./observe/server.js";
import type { SessionContext } from "./session/context.js";
import { peerFactoryFromIce } from "./session/peerFactory.js";
import { SessionRegistry } from "./session/registry.js";
import { createWatchdogs } from "./session/watchdogs.js";
import { assertWeriftSeams } from "./werift/index.js";

export interface MediaNode {
  /** Base URL of the public listener, e.g. http://127.0.0.1:8117 (the real port when 0 was configured). */
  readonly httpUrl: string;
  /** e.g. http://127.0.0.1:9998/metrics */
  readonly metricsUrl: string;
  /** e.g. http://127.0.0.1:9999/debug/pprof/ */
  readonly pprofUrl: string;
  /** The shared ICE UDP port. */
  readonly udpPort: number;
  readonly registry: SessionRegistry;
  ready(): boolean;
  /** Stop accepting, end every session, close sockets. Idempotent. */
  stop(): Promise<void>;
}

export interface MediaNodeOptions {
  config: MediaNodeConfig;
  logger: Logger;
  metrics: MediaNodeMetrics;
  /**
   * The fan-out every path uses: the lean path (media-node/fanout) unless a benchmark hands in
   * the baseline it measures against (test/bench/stockMediaNode.ts). Not a user knob.
   */
  createFanout?: FanoutFactory;
  /** Start DTLS the moment ICE connects (default) rather than after werift's own 100 ms wait; the baseline keeps werift's. */
  earlyDtlsStart?: boolean;
}

const servePage: PageHandler = (_req, res, route) => {
  const html = route.page === "player" ? renderPlayerPage(route.path) : renderPublisherPage(route.path);
  res.writeHead(200, PAGE_HEADERS);
  res.end(html);
  return true;
};

/** ICE endpoint events -> prom-client counters. */
function iceMetrics(metrics: MediaNodeMetrics): IceEventSink {
  return {
    datagramDropped: (reason) => metrics.iceDatagramsDropped.inc({ reason }),
    mdnsQuery: () => metrics.mdnsQueries.inc(),
    candidatePath: (path) => {
      if (path.startsWith("mdns")) metrics.mdnsCandidates.inc({ outcome: path });
    },
  };
}

/** A failed re-read is counted every time and logged once per run of failures. */
function tokenFileEvents(metrics: MediaNodeMetrics, logger: Logger) {
  return (path: string, field: string): TokenFileEvents => ({
    readFailed(error, first) {
      metrics.tokenFileErrors.inc({ path, field });
      if (first) logger.warn({ path, field, err: error.message }, "token file unreadable; the last good token stays in force");
    },
    reloaded: () => logger.info({ path, field }, "token file changed; new token in force"),
  });
}

export async function startMediaNode(options: MediaNodeOptions): Promise<MediaNode> {
  const { config, logger, metrics } = options;
  // Before anything listens: a path whose token file cannot be read must not start unguarded
  // (throws a ConfigError naming the field and the file).
  const tokens = loadPathTokens(config.paths, { events: tokenFileEvents(metrics, logger) });
  const createFanout = options.createFanout ?? createFanoutSource;
  const { webrtc } = config;
  // Fail at boot, not at the first viewer, when werift's internals moved underneath: every seam
  // of the one registry (werift/seams.ts). Throws WeriftSeamError.
  await assertWeriftSeams();
  const ice = await startIceEndpoint({
    host: webrtc.udpHost,
    port: webrtc.udpPort,
    additionalHosts: webrtc.additionalHosts,
    ipsFromInterfaces: webrtc.ipsFromInterfaces,
    iceServers: webrtc.iceServers,
    mdnsMode: webrtc.mdns.mode,
    events: iceMetrics(metrics),
  });
  const peers = peerFactoryFromIce(ice, { earlyDtlsStart: options.earlyDtlsStart ?? true, census: metrics.weriftPeers });
  const reports = createReportScheduler({
    intervalMs: parseDuration(config.webrtc.rtcpReportInterval),
    metrics,
    onError: (err) => logger.warn({ err }, "sender report failed"),
  });
  const registry = new SessionRegistry(
    config.paths,
    { metrics, nack: config.webrtc.nack, reports, createFanout },
    config.webrtc.maxSessions,
  );
  metrics.setPathStatsReader(() => registry.info().map((p) => ({ path: p.name, publishers: p.publisher ? 1 : 0, viewers: p.viewers })));
  metrics.setHistoryBytesReader(() => registry.historyBytes());
  metrics.setViewerLossReader(() => registry.allPaths().map((path) => ({ path: path.name, viewers: path.viewerFractionsLost() })));

  const sessionTimeoutMs = parseDuration(config.webrtc.sessionTimeout);
  const watchdogs = createWatchdogs({ timeoutMs: sessionTimeoutMs, onError: (err) => logger.error({ err }, "ending a silent session failed") });
  const sessions: SessionContext = {
    peers,
    webrtc: config.webrtc,
    sessionTimeoutMs,
    watchdogs,
    metrics,
    logger,
    registry,
  };
  let accepting = false;
  let stopping: Promise<void> | undefined;
  const ingests: RtpIngest[] = [];
  const patterns: TestPattern[] = [];
  const http = createHttpServer({ config, sessions, tokens, logger, metrics, accepting: () => accepting, ready: () => accepting, pages: servePage });
  let observe: Awaited<ReturnType<typeof startObserveServers>> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      accepting = false;
      registry.closeAll("shutdown");
      for (const pattern of patterns) pattern.close();
      await Promise.all(ingests.map((ingest) => ingest.close()));
      reports.close();
      watchdogs.close();
      await Promise.all([closeServer(http), observe?.close(), peers.close()]);
      logger.info("media node stopped");
    })();
    return stopping;
  };

  try {
    for (const path of registry.allPaths()) {
      const source = path.config.source;
      if (source?.rtp) ingests.push(await startRtpIngest({ path, config: source.rtp, metrics, logger }));
      if (source?.testPattern) patterns.push(startTestPattern({ path, config: source.testPattern, logger }));
    }
    observe = await startObserveServers({ config, metrics, logger });
    const httpUrl = await listenOn(http, config.http.listen);
    accepting = true;
    const { metricsUrl, pprofUrl } = observe;
    logger.info({ http: httpUrl, metrics: metricsUrl, pprof: pprofUrl, udpPort: peers.port, fanout: createFanout.name, paths: config.paths.map((p) => p.name) }, "media node ready");
    return { httpUrl, metricsUrl, pprofUrl, udpPort: peers.port, registry, ready: () => accepting, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Wiring: one media node = peer factory (ICE), report wheel, paths and sessions, RTP
 * ingests and test patterns, the public HTTP listener and the observability listeners.
 * `startMediaNode` brings them up in order; `stop()` drains them in reverse, idempotently.
 */
import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import { parseDuration } from "./config/duration.js";
import type { MediaNodeConfig } from "./config/types.js";
import { createReportScheduler } from "./fanout/index.js";
import { renderPlayerPage, renderPublisherPage, PAGE_HEADERS } from "./http/pages/pages.js";
import { createHttpServer, type PageHandler } from "./http/server.js";
import { startRtpIngest, type RtpIngest } from "./ingest/rtp-ingest.js";
import { startTestPattern, type TestPattern } from "./ingest/test-pattern.js";
import { closeServer, listenOn } from "./listen.js";
import type { MediaNodeMetrics } from "./observe/metrics.js";
import type { SessionContext } from "./session/context.js";
import { fanoutFactory, fanoutKindFromEnv } from "./session/forwarding.js";
import { createDirectPeerFactory } from "./session/peer-factory.js";
import { SessionRegistry } from "./session/registry.js";

export interface MediaNode {
  /** Base URL of the public listener, e.g. http://127.0.0.1:8117 (the real port when 0 was configured). */
  readonly httpUrl: string;
  readonly metricsUrl: string;
  readonly registry: SessionRegistry;
  ready(): boolean;
  /** Stop accepting, end every session, close sockets. Idempotent. */
  stop(): Promise<void>;
}

export interface MediaNodeOptions {
  config: MediaNodeConfig;
  logger: Logger;
  metrics: MediaNodeMetrics;
  env?: NodeJS.ProcessEnv;
}

const servePage: PageHandler = (_req, res, route) => {
  const html = route.page === "player" ? renderPlayerPage(route.path) : renderPublisherPage(route.path);
  res.writeHead(200, PAGE_HEADERS);
  res.end(html);
  return true;
};

/** Minimal /metrics listener until media-node/observe provides startObserveServers. */
function createMetricsServer(metrics: MediaNodeMetrics): Server {
  return createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry
      .metrics()
      .then((text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text))
      .catch(() => res.writeHead(500).end());
  });
}

export async function startMediaNode(options: MediaNodeOptions): Promise<MediaNode> {
  const { config, logger, metrics } = options;
  const fanout = fanoutKindFromEnv(options.env ?? process.env);
  const peers = createDirectPeerFactory(config.webrtc);
  const reports = createReportScheduler({
    intervalMs: parseDuration(config.webrtc.rtcpReportInterval),
    metrics,
    onError: (err) => logger.warn({ err }, "sender report failed"),
  });
  const registry = new SessionRegistry(
    config.paths,
    { metrics, nack: config.webrtc.nack, reports, createFanout: fanoutFactory(fanout) },
    config.webrtc.maxSessions,
  );
  metrics.setPathStatsReader(() => registry.info().map((p) => ({ path: p.name, publishers: p.publisher ? 1 : 0, viewers: p.viewers })));
  metrics.setHistoryBytesReader(() => registry.historyBytes());

  const sessions: SessionContext = {
    peers,
    webrtc: config.webrtc,
    sessionTimeoutMs: parseDuration(config.webrtc.sessionTimeout),
    metrics,
    logger,
    registry,
  };
  let accepting = false;
  let stopping: Promise<void> | undefined;
  const ingests: RtpIngest[] = [];
  const patterns: TestPattern[] = [];
  const http = createHttpServer({ config, sessions, logger, accepting: () => accepting, ready: () => accepting, pages: servePage });
  const metricsServer = createMetricsServer(metrics);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      accepting = false;
      registry.closeAll("shutdown");
      for (const pattern of patterns) pattern.close();
      await Promise.all(ingests.map((ingest) => ingest.close()));
      reports.close();
      await Promise.all([closeServer(http), closeServer(metricsServer), peers.close()]);
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
    const metricsUrl = await listenOn(metricsServer, config.metrics.listen);
    const httpUrl = await listenOn(http, config.http.listen);
    accepting = true;
    logger.info({ http: httpUrl, metrics: metricsUrl, fanout, paths: config.paths.map((p) => p.name) }, "media node ready");
    return { httpUrl, metricsUrl, registry, ready: () => accepting, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

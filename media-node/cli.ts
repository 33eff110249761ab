/**
 * The media-node process: arguments and config, logger and metrics, signals, start and drain.
 * main.ts runs it after the modules that must load first; nothing here listens before the
 * config is valid.
 */
import { ConfigError, loadConfig } from "./config/load.js";
import type { MediaNodeConfig } from "./config/types.js";
import { buildInfoFromEnv, createMetrics } from "./observe/metrics.js";
import { startMediaNode, type MediaNode, type MediaNodeOptions } from "./node.js";
import { WeriftSeamError } from "./werift/index.js";
import { createLogger } from "../common/logger.js";

const SHUTDOWN_DEADLINE_MS = 9000;

interface Args { configFile: string | undefined; demo: boolean }

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const args: Args = { configFile: env.MEDIA_NODE_CONFIG || undefined, demo: env.MEDIA_NODE_DEMO === "1" || env.MEDIA_NODE_DEMO === "true" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--config") args.configFile = argv[++i];
    else if (arg.startsWith("--config=")) args.configFile = arg.slice(9);
    else if (arg === "--demo") args.demo = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write("usage: media-node [--config FILE] [--demo]\n  env: MEDIA_NODE_CONFIG, MEDIA_NODE_DEMO=1, MEDIA_NODE_* overrides\n");
      process.exit(0);
    } else throw new ConfigError(`unknown argument ${arg} (usage: media-node [--config FILE] [--demo])`);
  }
  return args;
}

function withDemoPath(config: MediaNodeConfig): MediaNodeConfig {
  if (config.paths.some((p) => p.name === "demo")) return config;
  return { ...config, paths: [...config.paths, { name: "demo", source: { testPattern: { mode: "clip", fps: 30, packetsPerSecond: 250 } }, waitForPublisher: false }] };
}

/**
 * What a benchmark may hand the node besides what the config says: the fan-out baseline it
 * measures against (test/bench/stockMediaNode.ts). The product entry (main.ts) hands nothing.
 */
export type NodeOverrides = Pick<MediaNodeOptions, "createFanout" | "earlyDtlsStart">;

export async function runMediaNodeProcess(overrides: NodeOverrides = {}): Promise<void> {
  let config: MediaNodeConfig;
  let demo: boolean;
  try {
    const args = parseArgs(process.argv.slice(2), process.env);
    config = loadConfig(args.configFile, process.env);
    demo = args.demo;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`media-node: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (demo) config = withDemoPath(config);
  const logger = createLogger({ level: config.log.level, base: { service: "media-node" } });
  const metrics = createMetrics(buildInfoFromEnv());
  // Signals are taken from before the node starts: a SIGTERM that arrives while it is starting
  // (or in the instant after "media node ready" is written) must drain and exit 0, not kill
  // the process by default action.
  let node: MediaNode | undefined;
  let signalled = false;
  const stopAndExit = (running: MediaNode) =>
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(0);
      },
    );
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
    if (node) void stopAndExit(node); // else the start below finishes first, then stops
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  node = await startMediaNode({ config, logger, metrics, ...overrides }).catch((error: unknown) => {
    // A config problem found at start (a token file) reads like one found while loading, and so
    // does a werift that no longer fits a seam (werift/seams.ts): both are for the operator to fix.
    if (error instanceof ConfigError || error instanceof WeriftSeamError) process.stderr.write(`media-node: ${error.message}\n`);
    logger.fatal({ err: error }, "media node failed to start");
    process.exit(1);
  });
  if (signalled) void stopAndExit(node);
  // A stray rejection inside werift must not take every session down with the process.
  process.on("unhandledRejection", (reason) => logger.warn({ err: reason }, "unhandled rejection"));
}


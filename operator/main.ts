/**
 * The operator process: settings, logs, metrics and health listeners, informers, leader
 * election, workers, and an orderly exit.
 * - Informers start on every replica; only the lease holder runs the workers.
 * - Losing the lease exits with status 1 (as controller-runtime does): a half-leader that
 *   keeps writing is worse than a restart.
 * - SIGTERM/SIGINT: stop taking work, finish reconciles in flight, release the lease so a
 *   standby takes over at once, exit 0.
 */
import { loadKubeConfig, KubeClient } from "./kube/client.js";
import { LeaderElector } from "./kube/leaderElection.js";
import { createOperatorMetrics } from "./observe/metrics.js";
import { startHealthServer, startMetricsServer, type RunningServer } from "./observe/servers.js";
import { MediaServerController } from "./reconcile/controller.js";
import { loadOperatorConfig, USAGE } from "./reconcile/operatorConfig.js";
import { realTimers } from "../common/timers.js";
import { createLogger } from "../common/logger.js";

const SHUTDOWN_TIMEOUT_MS = 20_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadOperatorConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (config === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = createLogger({ level: config.logLevel, base: { component: "operator", identity: config.identity } });
  const metrics = createOperatorMetrics();
  const kube = new KubeClient(loadKubeConfig(), {
    onRequest: (verb, resource) => metrics.kubeRequestsTotal.inc({ verb, resource }),
    onResponse: (verb, _resource, status, seconds) => metrics.kubeRequestDuration.observe({ verb, code: String(status) }, seconds),
  });
  const podSeries = new Map<string, Array<{ namespace: string; mediaserver: string; pod: string; role: string }>>();
  const controller = new MediaServerController({
    kube,
    logger: log,
    namespace: config.watchNamespace,
    ...(config.operatorNamespace ? { operatorNamespace: config.operatorNamespace } : {}),
    workers: config.workers,
    resyncPeriodMs: config.resyncPeriodMs,
    reportingInstance: config.identity,
    onRollback: () => metrics.rollbacksTotal.inc(),
    onScrapeError: (reason) => metrics.scrapeErrorsTotal.inc({ reason }),
    onSamples: (namespace, mediaserver, samples) => {
      // The latest round replaces the MediaServer's series: pods that are gone drop out.
      const key = `${namespace}/${mediaserver}`;
      for (const labels of podSeries.get(key) ?? []) for (const gauge of [metrics.podMemoryBytes, metrics.podViewers]) gauge.remove(labels);
      podSeries.set(key, samples.map((s) => ({ namespace, mediaserver, pod: s.pod, role: s.role })));
      for (const s of samples) {
        const labels = { namespace, mediaserver, pod: s.pod, role: s.role };
        metrics.podMemoryBytes.set(labels, s.heapAfterGcBytes + s.externalBytes);
        metrics.podViewers.set(labels, s.viewers);
      }
    },
    onReconcile: (outcome, durationMs) => {
      metrics.reconcileTotal.inc({ result: outcome });
      metrics.reconcileDuration.observe(durationMs / 1000);
    },
  });
  const depth = setInterval(() => metrics.queueDepth.set(controller.queueLength), 1000);
  depth.unref();

  let shuttingDown = false;
  const servers: RunningServer[] = [];
  servers.push(await startMetricsServer(config.metricsAddress, metrics.registry));
  servers.push(await startHealthServer(config.healthAddress, { healthy: () => !shuttingDown, ready: () => controller.synced }));
  const [metricsServer, healthServer] = servers;
  log.info({ metricsAddress: `${metricsServer!.address.address}:${metricsServer!.address.port}`, healthAddress: `${healthServer!.address.address}:${healthServer!.address.port}`, watchNamespace: config.watchNamespace || "(all)", operatorNamespace: config.operatorNamespace || "(unknown)", leaderElect: config.leaderElect }, "operator starting");
  if (!config.operatorNamespace) log.warn("operator namespace unknown (set POD_NAMESPACE or --operator-namespace): the media pods' NetworkPolicies admit to metrics and pprof only the namespaces each MediaServer lists in spec.observability.allowedNamespaces");

  controller.startInformers();
  void controller.waitForSync().then(() => log.info("caches synced"));

  let elector: LeaderElector | undefined;
  if (config.leaderElect) {
    elector = new LeaderElector(kube, {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      timers: realTimers,
      ...config.leaseTimings,
      onStartedLeading: () => {
        metrics.isLeader.set(1);
        log.info({ lease: `${config.leaseNamespace}/${config.leaseName}` }, "became leader; reconciling");
        controller.startWorkers();
      },
      onStoppedLeading: () => metrics.isLeader.set(0),
      onNewLeader: (leader) => log.info({ leader }, "leader observed"),
      onError: (error, phase) => log.warn({ err: error, phase }, "lease request failed"),
    });
    log.info({ lease: `${config.leaseNamespace}/${config.leaseName}`, ...config.leaseTimings }, "waiting for leadership");
    void elector.run().then((end) => {
      if (end === "lost" && !shuttingDown) {
        log.error("lost the leader lease; exiting so a fresh process campaigns again");
        process.exit(1);
      }
    });
  } else {
    controller.startWorkers();
  }

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, "shutting down");
    const forced = setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    forced.unref();
    await controller.stop(); // no reconcile runs after this...
    await elector?.stop(); // ...so releasing the lease cannot let two leaders overlap
    await Promise.all(servers.map((s) => s.close()));
    await kube.close();
    log.info("stopped");
    log.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`operator failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

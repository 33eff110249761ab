/**
 * Operator settings: flags, then environment, then defaults. Every error names the flag.
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { parseDuration } from "../../common/duration.js";
import { DEFAULT_LEASE_TIMINGS, validateTimings, type LeaseTimings } from "../kube/leaseRules.js";
import { parseListenAddress, type ListenAddress } from "../observe/servers.js";

export interface OperatorConfig {
  metricsAddress: ListenAddress;
  healthAddress: ListenAddress;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseTimings: LeaseTimings;
  /** Empty: all namespaces. */
  watchNamespace: string;
  /** Where the operator runs ("" unknown): each MediaServer's NetworkPolicy admits it to metrics and pprof. */
  operatorNamespace: string;
  workers: number;
  resyncPeriodMs: number;
  identity: string;
  logLevel: string;
}

export const USAGE = `mediafleet operator

  --metrics-addr ADDR      Prometheus /metrics listener (env METRICS_ADDR, default ":8080")
  --health-addr ADDR       /healthz and /readyz listener (env HEALTH_ADDR, default ":8081")
  --leader-elect           elect a leader through a Lease; only it reconciles (env LEADER_ELECT=true)
  --lease-namespace NS     namespace of the Lease (env LEASE_NAMESPACE, else POD_NAMESPACE, else "default")
  --lease-name NAME        name of the Lease (env LEASE_NAME, default "mediafleet-operator")
  --lease-duration D       how long a lease holds without renewal (env LEASE_DURATION, default 15s)
  --renew-deadline D       a leader that cannot renew for this long steps down (env RENEW_DEADLINE, default 10s)
  --retry-period D         pause between acquire/renew attempts (env RETRY_PERIOD, default 2s)
  --watch-namespace NS     only this namespace (env WATCH_NAMESPACE, default all)
  --operator-namespace NS  the operator's own namespace, which the media pods' NetworkPolicies admit to
                           metrics and pprof (env POD_NAMESPACE; default none: only the namespaces a
                           MediaServer lists in spec.observability.allowedNamespaces)
  --workers N              concurrent reconciles (env WORKERS, default 16; reconciles wait on I/O, not CPU)
  --resync-period D        reconcile every MediaServer this often even without changes (env RESYNC_PERIOD, default 10m)
  --log-level LEVEL        pino level (env LOG_LEVEL, default info)
Kubernetes access: KUBECONFIG (or ~/.kube/config), else the in-cluster service account.`;

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new RangeError(`--${flag}: ${(error as Error).message}`);
  }
}

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${flag} must be a whole number >= 1, got "${text}"`);
  return value;
}

/** "" or a namespace name (a DNS-1123 label). */
function namespaceName(flag: string, text: string): string {
  if (text !== "" && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text)) throw new RangeError(`--${flag} must be a namespace name (a DNS-1123 label), got "${text}"`);
  return text;
}

function truthy(text: string | undefined): boolean {
  return text !== undefined && /^(1|true|yes|on)$/i.test(text);
}

export function loadOperatorConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      "metrics-addr": { type: "string" },
      "health-addr": { type: "string" },
      "leader-elect": { type: "boolean" },
      "lease-namespace": { type: "string" },
      "lease-name": { type: "string" },
      "lease-duration": { type: "string" },
      "renew-deadline": { type: "string" },
      "retry-period": { type: "string" },
      "watch-namespace": { type: "string" },
      "operator-namespace": { type: "string" },
      workers: { type: "string" },
      "resync-period": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const leaseTimings: LeaseTimings = {
    leaseDurationMs: duration("lease-duration", values["lease-duration"] ?? env.LEASE_DURATION ?? `${DEFAULT_LEASE_TIMINGS.leaseDurationMs}ms`),
    renewDeadlineMs: duration("renew-deadline", values["renew-deadline"] ?? env.RENEW_DEADLINE ?? `${DEFAULT_LEASE_TIMINGS.renewDeadlineMs}ms`),
    retryPeriodMs: duration("retry-period", values["retry-period"] ?? env.RETRY_PERIOD ?? `${DEFAULT_LEASE_TIMINGS.retryPeriodMs}ms`),
  };
  validateTimings(leaseTimings);
  const address = (flag: string, text: string) => {
    try {
      return parseListenAddress(text);
    } catch (error) {
      throw new RangeError(`--${flag}: ${(error as Error).message}`);
    }
  };
  return {
    metricsAddress: address("metrics-addr", values["metrics-addr"] ?? env.METRICS_ADDR ?? ":8080"),
    healthAddress: address("health-addr", values["health-addr"] ?? env.HEALTH_ADDR ?? ":8081"),
    leaderElect: values["leader-elect"] ?? truthy(env.LEADER_ELECT),
    leaseNamespace: values["lease-namespace"] ?? env.LEASE_NAMESPACE ?? env.POD_NAMESPACE ?? "default",
    leaseName: values["lease-name"] ?? env.LEASE_NAME ?? "mediafleet-operator",
    leaseTimings,
    watchNamespace: values["watch-namespace"] ?? env.WATCH_NAMESPACE ?? "",
    operatorNamespace: namespaceName("operator-namespace", values["operator-namespace"] ?? env.POD_NAMESPACE ?? ""),
    workers: positiveInt("workers", values.workers ?? env.WORKERS ?? "16"),
    resyncPeriodMs: duration("resync-period", values["resync-period"] ?? env.RESYNC_PERIOD ?? "10m"),
    identity: env.POD_NAME ?? `${hostname()}_${process.pid}`,
    logLevel: values["log-level"] ?? env.LOG_LEVEL ?? "info",
  };
}

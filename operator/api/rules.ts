/**
 * The CEL rules of ./schema.ts re-implemented in TypeScript, so the operator (and its unit
 * tests) reject exactly what the API server rejects. The record is keyed by the same names
 * as `CEL_RULES`: the compiler refuses a rule without its twin.
 */
import { parseDuration } from "../../common/duration.js";
import { CEL_RULES, DURATION_BOUNDS } from "./schema.js";
import type { InlineTokenField, MediaServerSpec } from "./types.js";

export interface FieldProblem {
  /** Kubernetes-style field path, e.g. `spec.rollback.minSamples` or `spec.paths[2].source.rtp.port`. */
  path: string;
  message: string;
}

type Check = (spec: MediaServerSpec, name: string) => FieldProblem[];

function durationRange(key: keyof typeof DURATION_BOUNDS): Check {
  const [block, field] = key.split(".") as [string, string];
  const bounds = DURATION_BOUNDS[key];
  return (spec) => {
    const text = (spec as unknown as Record<string, Record<string, string>>)[block]![field]!;
    const ms = parseDuration(text);
    return ms >= bounds.minMs && ms <= bounds.maxMs ? [] : [{ path: `spec.${key}`, message: `${CEL_RULES_BY_KEY[key]}` }];
  };
}

const CEL_RULES_BY_KEY: Record<keyof typeof DURATION_BOUNDS, string> = {
  "webrtc.rtcpReportInterval": CEL_RULES.rtcpRange.message,
  "rollback.interval": CEL_RULES.intervalRange.message,
  "rollback.window": CEL_RULES.windowRange.message,
  "rollback.bakeTime": CEL_RULES.bakeTimeRange.message,
  "rollback.progressDeadline": CEL_RULES.progressDeadlineRange.message,
};

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The schema declares the inline token fields (so they are not pruned); this refuses them. */
function inlineToken(field: InlineTokenField, message: string): Check {
  return (spec) =>
    spec.paths.flatMap((path, i) => (Object.hasOwn(path, field) ? [{ path: `spec.paths[${i}].${field}`, message }] : []));
}

export const CROSS_FIELD_CHECKS: Record<Exclude<keyof typeof CEL_RULES, "nameLength">, Check> = {
  additionalHostsRequired: (spec) =>
    spec.webrtc.ipsFromInterfaces || spec.webrtc.additionalHosts.length > 0
      ? []
      : [{ path: "spec.webrtc.additionalHosts", message: CEL_RULES.additionalHostsRequired.message }],
  rtcpRange: durationRange("webrtc.rtcpReportInterval"),
  rtpPortsUnique: (spec) => {
    const seen = new Set<number>();
    const problems: FieldProblem[] = [];
    spec.paths.forEach((path, i) => {
      const port = path.source?.rtp?.port;
      if (port === undefined) return;
      if (seen.has(port)) problems.push({ path: `spec.paths[${i}].source.rtp.port`, message: CEL_RULES.rtpPortsUnique.message });
      seen.add(port);
    });
    return problems;
  },
  publishTokenForbidden: inlineToken("publishToken", CEL_RULES.publishTokenForbidden.message),
  readTokenForbidden: inlineToken("readToken", CEL_RULES.readTokenForbidden.message),
  publishTokenFileForbidden: inlineToken("publishTokenFile", CEL_RULES.publishTokenFileForbidden.message),
  readTokenFileForbidden: inlineToken("readTokenFile", CEL_RULES.readTokenFileForbidden.message),
  sourceExclusive: (spec) =>
    spec.paths.flatMap((path, i) =>
      path.source?.rtp && path.source.testPattern ? [{ path: `spec.paths[${i}].source`, message: CEL_RULES.sourceExclusive.message }] : [],
    ),
  intervalRange: durationRange("rollback.interval"),
  windowRange: durationRange("rollback.window"),
  bakeTimeRange: durationRange("rollback.bakeTime"),
  progressDeadlineRange: durationRange("rollback.progressDeadline"),
  samplesFitWindow: (spec) => {
    const { interval, window, minSamples } = spec.rollback;
    return parseDuration(interval) * minSamples <= parseDuration(window)
      ? []
      : [{ path: "spec.rollback.minSamples", message: CEL_RULES.samplesFitWindow.message }];
  },
  profilingPortFree: (spec) =>
    spec.profiling.port !== 8117 && spec.profiling.port !== 9998
      ? []
      : [{ path: "spec.profiling.port", message: CEL_RULES.profilingPortFree.message }],
};

/** `x-kubernetes-list-type: map` keyed by name makes the API server refuse two paths of one name. */
function duplicatePathNames(spec: MediaServerSpec): FieldProblem[] {
  const seen = new Set<string>();
  return spec.paths.flatMap((path, i) => {
    const duplicate = seen.has(path.name);
    seen.add(path.name);
    return duplicate ? [{ path: `spec.paths[${i}]`, message: `Duplicate value: {"name":"${path.name}"}` }] : [];
  });
}

/** Cross-field problems of a defaulted, schema-valid spec. */
export function crossFieldProblems(spec: MediaServerSpec): FieldProblem[] {
  return [...duplicatePathNames(spec), ...Object.entries(CROSS_FIELD_CHECKS).flatMap(([name, check]) => check(spec, name))];
}

/** The rule the API server checks on `metadata.name` (it names the Services). */
export function nameProblems(name: string | undefined): FieldProblem[] {
  if (name && name.length <= 55 && DNS_1035.test(name)) return [];
  return [{ path: "metadata.name", message: CEL_RULES.nameLength.message }];
}

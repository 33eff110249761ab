/**
 * Environment overrides: every knob settable for quick runs and by the local kubelet,
 * which gives each pod its own loopback address. Applied after the file, before validation,
 * so a bad value is reported with the same field path as in the file.
 */
type Coerce = (raw: string) => unknown;

const asString: Coerce = (raw) => raw;
const asList: Coerce = (raw) => raw.split(",").map((s) => s.trim()).filter(Boolean);
const asNumber: Coerce = (raw) => (/^-?[0-9]+$/.test(raw.trim()) ? Number(raw) : raw);
const asBoolean: Coerce = (raw) => (raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw);

export const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: string[]; coerce: Coerce }> = [
  { env: "MEDIA_NODE_HTTP_LISTEN", path: ["http", "listen"], coerce: asString },
  { env: "MEDIA_NODE_METRICS_LISTEN", path: ["metrics", "listen"], coerce: asString },
  { env: "MEDIA_NODE_PPROF_LISTEN", path: ["pprof", "listen"], coerce: asString },
  { env: "MEDIA_NODE_PPROF_TOKEN", path: ["pprof", "token"], coerce: asString },
  { env: "MEDIA_NODE_LOG_LEVEL", path: ["log", "level"], coerce: asString },
  { env: "MEDIA_NODE_UDP_HOST", path: ["webrtc", "udpHost"], coerce: asString },
  { env: "MEDIA_NODE_UDP_PORT", path: ["webrtc", "udpPort"], coerce: asNumber },
  { env: "MEDIA_NODE_IPS_FROM_INTERFACES", path: ["webrtc", "ipsFromInterfaces"], coerce: asBoolean },
  { env: "MEDIA_NODE_ADDITIONAL_HOSTS", path: ["webrtc", "additionalHosts"], coerce: asList },
  { env: "MEDIA_NODE_NACK_MODE", path: ["webrtc", "nack", "mode"], coerce: asString },
  { env: "MEDIA_NODE_NACK_HISTORY_PACKETS", path: ["webrtc", "nack", "historyPackets"], coerce: asNumber },
  { env: "MEDIA_NODE_MDNS_MODE", path: ["webrtc", "mdns", "mode"], coerce: asString },
  { env: "MEDIA_NODE_RTCP_REPORT_INTERVAL", path: ["webrtc", "rtcpReportInterval"], coerce: asString },
  { env: "MEDIA_NODE_MAX_SESSIONS", path: ["webrtc", "maxSessions"], coerce: asNumber },
];

/** Returns a copy of `doc` with the overrides present in `env` written in. */
export function applyEnvOverrides(doc: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const { env: name, path, coerce } of ENV_OVERRIDES) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    let node = out as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node = (node[key] = next && typeof next === "object" ? next : {}) as Record<string, unknown>;
    }
    node[path.at(-1)!] = coerce(raw);
  }
  return out;
}

/**
 * MEDIA_NODE_HEAP_SAMPLING_BYTES: bytes between heap-profile samples. Read before the config file
 * (heap sampling starts before anything else loads, observe/earlyProfiling.ts), so it is no field
 * of the file; a value that is not a whole number in range is refused, never silently replaced.
 */
export const HEAP_SAMPLING_ENV = "MEDIA_NODE_HEAP_SAMPLING_BYTES";
export const HEAP_SAMPLING_RANGE = { min: 1024, max: 64 * 1024 * 1024 } as const;

export function heapSamplingBytesFromEnv(env: NodeJS.ProcessEnv, fallback: number): number {
  const raw = env[HEAP_SAMPLING_ENV];
  if (raw === undefined || raw === "") return fallback;
  const value = /^[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value >= HEAP_SAMPLING_RANGE.min && value <= HEAP_SAMPLING_RANGE.max)) {
    throw new RangeError(`${HEAP_SAMPLING_ENV} must be a whole number of bytes ${HEAP_SAMPLING_RANGE.min}..${HEAP_SAMPLING_RANGE.max}, got "${raw}"`);
  }
  return value;
}

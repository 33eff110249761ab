/**
 * The ONE schema of MediaServer. The CRD's openAPIV3Schema (./crd.ts) and the operator's ajv
 * validator (./validate.ts) are both made from these objects, and the `webrtc` block and
 * `paths` items are the media node's own config schema, so a knob means the same thing in
 * the YAML file and in the custom resource.
 *
 * Cross-field rules live in `x-kubernetes-validations` (CEL, run by the API server) and are
 * re-implemented for the operator in ./rules.ts; a test keeps the two lists in step by name.
 * The changes made to the imported media-node schemas are bounds (maxLength, maxItems) that
 * the API server's CEL cost estimator needs, and a path's tokens: a MediaServer names a Secret
 * (`publishTokenSecret`, `readTokenSecret`) and is refused when it carries a token or a token
 * file itself. The CRD is therefore stricter than the YAML file, never looser.
 */
import { DURATION_PATTERN, pathSchema, webrtcSchema } from "../../media-node/config/schema.js";
import { INLINE_TOKEN_FIELDS, NORMALIZE_BY, SERVICE_TYPES, type InlineTokenField } from "./types.js";

type Schema = Record<string, unknown>;

export interface CelRule {
  /** Stable name, shared with the TypeScript re-implementation in ./rules.ts. */
  name: string;
  rule: string;
  message: string;
  /** JSONPath-like path relative to the node the rule sits on, reported as the field in error. */
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueForbidden";
}

const cel = (...rules: CelRule[]) => ({
  "x-kubernetes-validations": rules.map(({ name: _name, ...rest }) => rest),
});

function clone<T>(value: T): T & Schema {
  return structuredClone(value) as T & Schema;
}

const durationString = (fallback: string, description: string) => ({
  type: "string",
  pattern: DURATION_PATTERN,
  maxLength: 32,
  default: fallback,
  description,
});

// Rules guard with has(): the API server also checks them against each `default: {}` before
// the nested defaults are filled in.

/** Bounds of each duration field, checked by CEL and by ./rules.ts. */
export const DURATION_BOUNDS = {
  "webrtc.rtcpReportInterval": { minMs: 100, maxMs: 60_000, min: "100ms", max: "60s" },
  "rollback.interval": { minMs: 1_000, maxMs: 3_600_000, min: "1s", max: "1h" },
  "rollback.window": { minMs: 10_000, maxMs: 86_400_000, min: "10s", max: "24h" },
  "rollback.bakeTime": { minMs: 0, maxMs: 86_400_000, min: "0s", max: "24h" },
  "rollback.progressDeadline": { minMs: 5_000, maxMs: 3_600_000, min: "5s", max: "1h" },
} as const;

function durationRule(block: string, field: string): CelRule {
  const bounds = DURATION_BOUNDS[`${block}.${field}` as keyof typeof DURATION_BOUNDS];
  return {
    name: `${block}.${field}.range`,
    rule: `!has(self.${field}) || (duration(self.${field}) >= duration('${bounds.min}') && duration(self.${field}) <= duration('${bounds.max}'))`,
    message: `must be between ${bounds.min} and ${bounds.max}`,
    fieldPath: `.${field}`,
    reason: "FieldValueInvalid",
  };
}

/** The Secret reference that replaces an inline token field in a MediaServer. */
export const TOKEN_SECRET_FIELD: Record<InlineTokenField, "publishTokenSecret" | "readTokenSecret"> = {
  publishToken: "publishTokenSecret",
  publishTokenFile: "publishTokenSecret",
  readToken: "readTokenSecret",
  readTokenFile: "readTokenSecret",
};

function inlineTokenRule(field: InlineTokenField): CelRule {
  const secret = TOKEN_SECRET_FIELD[field];
  return {
    name: `paths.${field}.forbidden`,
    rule: `!has(self.${field})`,
    message: field.endsWith("File")
      ? `token files are the operator's to set: name the Secret holding the token in ${secret} {name, key}`
      : `tokens are never written in a MediaServer (a rollback would bring a revoked one back): put the token in a Secret and name it in ${secret} {name, key}`,
    fieldPath: `.${field}`,
    reason: "FieldValueForbidden",
  };
}

export const CEL_RULES = {
  additionalHostsRequired: {
    name: "webrtc.additionalHosts.required",
    rule: "!has(self.ipsFromInterfaces) || self.ipsFromInterfaces || (has(self.additionalHosts) && size(self.additionalHosts) > 0)",
    message: "must list at least one host when ipsFromInterfaces is false",
    fieldPath: ".additionalHosts",
    reason: "FieldValueRequired",
  },
  rtcpRange: durationRule("webrtc", "rtcpReportInterval"),
  rtpPortsUnique: {
    name: "paths.rtpPortsUnique",
    rule: "self.all(p, !has(p.source) || !has(p.source.rtp) || self.exists_one(q, has(q.source) && has(q.source.rtp) && q.source.rtp.port == p.source.rtp.port))",
    message: "two paths use the same source.rtp.port",
    // FieldValueDuplicate would print the value ("array") instead of this message.
    reason: "FieldValueInvalid",
  },
  publishTokenForbidden: inlineTokenRule("publishToken"),
  readTokenForbidden: inlineTokenRule("readToken"),
  publishTokenFileForbidden: inlineTokenRule("publishTokenFile"),
  readTokenFileForbidden: inlineTokenRule("readTokenFile"),
  sourceExclusive: {
    name: "paths.source.exclusive",
    rule: "!(has(self.rtp) && has(self.testPattern))",
    message: "rtp and testPattern are exclusive",
    reason: "FieldValueForbidden",
  },
  intervalRange: durationRule("rollback", "interval"),
  windowRange: durationRule("rollback", "window"),
  bakeTimeRange: durationRule("rollback", "bakeTime"),
  progressDeadlineRange: durationRule("rollback", "progressDeadline"),
  samplesFitWindow: {
    name: "rollback.samplesFitWindow",
    rule: "!has(self.interval) || !has(self.window) || !has(self.minSamples) || duration(self.interval).getMilliseconds() * self.minSamples <= duration(self.window).getMilliseconds()",
    message: "minSamples * interval must not exceed window",
    fieldPath: ".minSamples",
    reason: "FieldValueInvalid",
  },
  profilingPortFree: {
    name: "profiling.portFree",
    rule: "!has(self.port) || (self.port != 8117 && self.port != 9998)",
    message: "must differ from the HTTP port 8117 and the metrics port 9998",
    fieldPath: ".port",
    reason: "FieldValueInvalid",
  },
  nameLength: {
    name: "metadata.name.dns1035",
    rule: "size(self.metadata.name) <= 55 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message: "metadata.name must be a DNS-1035 label of at most 55 characters (it names the Services <name> and <name>-metrics)",
    // No fieldPath: the API server accepts none into metadata, so the message names the field.
    reason: "FieldValueInvalid",
  },
} satisfies Record<string, CelRule>;

function webrtcBlock(): Schema {
  const webrtc = clone(webrtcSchema);
  const props = webrtc.properties as Record<string, Schema>;
  props.additionalHosts = { ...props.additionalHosts, maxItems: 16, items: { type: "string", minLength: 1, maxLength: 253 } };
  props.iceServers = { ...props.iceServers, maxItems: 16 };
  props.rtcpReportInterval = { ...props.rtcpReportInterval, maxLength: 32 };
  props.sessionTimeout = { ...props.sessionTimeout, maxLength: 32 };
  return { ...webrtc, ...cel(CEL_RULES.additionalHostsRequired, CEL_RULES.rtcpRange) };
}

/** Kubernetes object names (DNS-1123 subdomain): no "/" and never "." or "..", so a name is one safe path segment. */
const SECRET_NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/** Secret data keys: [-._a-zA-Z0-9]+, not "." nor "..", not starting with ".." (written without lookahead, which RE2 lacks). */
const SECRET_KEY_PATTERN = "^([-_a-zA-Z0-9][-._a-zA-Z0-9]*|\\.[-_a-zA-Z0-9][-._a-zA-Z0-9]*)$";

const tokenSecretRef = (action: string) => ({
  type: "object",
  additionalProperties: false,
  required: ["name"],
  description: `Secret (in the MediaServer's namespace) holding the bearer token required to ${action}. Mounted into the pods and re-read there when it changes; only which Secret and key is part of the revision, never the token.`,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 253, pattern: SECRET_NAME_PATTERN },
    key: { type: "string", minLength: 1, maxLength: 253, pattern: SECRET_KEY_PATTERN, default: "token" },
  },
});

function pathsBlock(): Schema {
  const item = clone(pathSchema);
  const props = item.properties as Record<string, Schema>;
  props.source = { ...props.source, ...cel(CEL_RULES.sourceExclusive) };
  // Declared only to be refused by name (see INLINE_TOKEN_FIELDS).
  for (const field of INLINE_TOKEN_FIELDS) {
    props[field] = { type: "string", maxLength: 4096, description: `not accepted in a MediaServer: use ${TOKEN_SECRET_FIELD[field]}` };
  }
  props.publishTokenSecret = tokenSecretRef("publish (WHIP)");
  props.readTokenSecret = tokenSecretRef("view (WHEP)");
  Object.assign(item, cel(CEL_RULES.publishTokenForbidden, CEL_RULES.readTokenForbidden, CEL_RULES.publishTokenFileForbidden, CEL_RULES.readTokenFileForbidden));
  return {
    type: "array",
    default: [],
    maxItems: 64,
    description: "Streams served by every replica: a WHIP publisher, an RTP/UDP ingest or a test pattern per path.",
    items: item,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
    ...cel(CEL_RULES.rtpPortsUnique),
  };
}

/** A namespace name: a DNS-1123 label. */
const NAMESPACE_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

const quantityMap = {
  type: "object",
  additionalProperties: {
    // The exact int-or-string shape the API server accepts; the pattern applies to strings only.
    anyOf: [{ type: "integer" }, { type: "string" }],
    pattern: QUANTITY_PATTERN,
    "x-kubernetes-int-or-string": true,
  },
};

export const mediaServerSpecSchema: Schema = {
  type: "object",
  required: ["image"],
  additionalProperties: false,
  description: "A fleet of media-node replicas and how the operator guards their heap.",
  properties: {
    image: { type: "string", minLength: 1, maxLength: 512, description: "media-node container image; a change starts a heap analysis" },
    replicas: { type: "integer", minimum: 0, maximum: 1000, default: 1 },
    webrtc: webrtcBlock(),
    paths: pathsBlock(),
    service: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "The public Service (WHIP/WHEP TCP 8117 and the ICE UDP port). Metrics and pprof are never on it.",
      properties: {
        type: { type: "string", enum: [...SERVICE_TYPES], default: "ClusterIP" },
        annotations: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    hostNetwork: { type: "boolean", default: false, description: "run pods in the node's network namespace (ICE on the node IP)" },
    resources: {
      type: "object",
      additionalProperties: false,
      description: "container resources of media-node",
      properties: { requests: quantityMap, limits: quantityMap },
    },
    profiling: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "pprof listener scraped by the operator; only on the headless <name>-metrics Service",
      properties: {
        port: { type: "integer", minimum: 1, maximum: 65535, default: 9999 },
        tokenSecret: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          description: "Secret holding the bearer token pprof requires (env MEDIA_NODE_PPROF_TOKEN)",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 253 },
            key: { type: "string", minLength: 1, maxLength: 253, default: "token" },
          },
        },
      },
      ...cel(CEL_RULES.profilingPortFree),
    },
    observability: {
      type: "object",
      additionalProperties: false,
      default: {},
      description:
        "Who may reach the metrics (9998) and pprof ports. The operator renders a NetworkPolicy <name> for the pods: WHIP/WHEP, ICE and RTP ingest open to all, metrics and pprof only from the operator's namespace and these. Enforced only by a network plugin that implements NetworkPolicy, and never for hostNetwork pods",
      properties: {
        allowedNamespaces: {
          type: "array",
          default: [],
          maxItems: 16,
          "x-kubernetes-list-type": "set",
          description: "namespaces (besides the operator's own) whose pods may scrape metrics and read profiles, e.g. where Prometheus runs",
          items: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE_PATTERN },
        },
      },
    },
    rollback: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "Heap-regression analysis of a new revision (image + config) on a canary pod against a fresh baseline pod of the last good one",
      properties: {
        enabled: { type: "boolean", default: true },
        maxHeapRegressionPercent: { type: "integer", minimum: 1, maximum: 1000, default: 20, description: "the canary fails when its memory (heap after GC + external) exceeds the baseline's by more than this, with confidence" },
        minRegressionMiB: { type: "integer", minimum: 0, maximum: 65536, default: 8, description: "...and by more than this many MiB: no verdict on noise" },
        interval: durationString("30s", "time between two scrapes of every pod (metrics and heap profile)"),
        window: durationString("5m", "how long a canary is compared with its baseline before it passes"),
        minSamples: { type: "integer", minimum: 1, maximum: 1000, default: 6, description: "fewer samples: Inconclusive, never a rollback" },
        bakeTime: durationString("10m", "first revision of a MediaServer (nothing to compare with): watched this long before it becomes the last good one"),
        progressDeadline: durationString("5m", "a canary not Ready within this time fails"),
        normalizeBy: { type: "string", enum: [...NORMALIZE_BY], default: "viewers", description: "compare heap per viewer or in total" },
      },
      ...cel(CEL_RULES.intervalRange, CEL_RULES.windowRange, CEL_RULES.bakeTimeRange, CEL_RULES.progressDeadlineRange, CEL_RULES.samplesFitWindow),
    },
  },
};

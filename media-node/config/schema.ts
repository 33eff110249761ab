/**
 * The ONE schema of the media-node configuration file.
 *
 * The media node validates its YAML with it (ajv), and the operator embeds the `webrtc`
 * and `paths` parts in the MediaServer CRD's openAPIV3Schema, so a knob means the same
 * thing in both places. Keep it inside the subset that Kubernetes structural schemas
 * accept: no `$ref`, no `additionalProperties: true` under typed objects, defaults on leaves.
 */

export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

/** Ring sizes are powers of two so a slot is `seq & (size - 1)`. */
export const HISTORY_SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768] as const;

export const NACK_MODES = ["shared", "perViewer", "off"] as const;
export const MDNS_MODES = ["off", "shared", "perConnection"] as const;
export const RTP_CODECS = ["VP8", "H264", "Opus"] as const;

const listenSchema = (fallback: string) => ({
  type: "string",
  description: "host:port to listen on",
  pattern: "^[^\\s]*:[0-9]{1,5}$",
  default: fallback,
});

export const iceServerSchema = {
  type: "object",
  required: ["urls"],
  additionalProperties: false,
  properties: {
    urls: { type: "string", pattern: "^(stun|stuns|turn|turns):", description: "stun:/turn: URL" },
    username: { type: "string" },
    credential: { type: "string" },
  },
} as const;

export const webrtcSchema = {
  type: "object",
  additionalProperties: false,
  default: {},
  description: "WebRTC transport and the three tuning knobs (NACK, mDNS, RTCP report interval).",
  properties: {
    udpHost: { type: "string", default: "0.0.0.0", description: "bind address of the single ICE UDP socket" },
    udpPort: { type: "integer", minimum: 1, maximum: 65535, default: 8118, description: "the ONE UDP port all ICE sessions share" },
    ipsFromInterfaces: { type: "boolean", default: true, description: "advertise host candidates from local interfaces; false: only additionalHosts" },
    additionalHosts: { type: "array", items: { type: "string", minLength: 1 }, default: [], description: "extra host candidates to advertise (node or public IPs)" },
    iceServers: { type: "array", items: iceServerSchema, default: [], description: "STUN/TURN servers; none unless configured" },
    nack: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        mode: { type: "string", enum: [...NACK_MODES], default: "shared", description: "shared: one history per source stream; perViewer: one per outgoing track; off: no NACK" },
        historyPackets: { type: "integer", enum: [...HISTORY_SIZES], default: 512, description: "packets kept for retransmission (power of two)" },
      },
    },
    mdns: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        mode: { type: "string", enum: [...MDNS_MODES], default: "off", description: "off: ignore .local candidates; shared: one cached resolver; perConnection: werift's own" },
      },
    },
    rtcpReportInterval: { type: "string", pattern: DURATION_PATTERN, default: "1s", description: "sender report interval for every viewer, from one timer" },
    maxSessions: { type: "integer", minimum: 1, maximum: 100000, default: 1000, description: "publishers + viewers; beyond it POST answers 503" },
    sessionTimeout: { type: "string", pattern: DURATION_PATTERN, default: "15s", description: "a session without ICE/media for this long is ended" },
  },
} as const;

export const rtpSourceSchema = {
  type: "object",
  required: ["port", "codec"],
  additionalProperties: false,
  properties: {
    host: { type: "string", default: "0.0.0.0" },
    port: { type: "integer", minimum: 1, maximum: 65535 },
    codec: { type: "string", enum: [...RTP_CODECS] },
    payloadType: { type: "integer", minimum: 0, maximum: 127, default: 96 },
    clockRate: { type: "integer", minimum: 1000, maximum: 192000, default: 90000 },
  },
} as const;

/** A built-in synthetic VP8 publisher: a working stream with no camera and no ffmpeg (demo, smoke tests). */
export const testPatternSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    mode: { type: "string", enum: ["clip", "synthetic"], default: "clip", description: "clip: a decodable VP8 test card; synthetic: undecodable packets at packetsPerSecond (load tests)" },
    fps: { type: "integer", minimum: 1, maximum: 60, default: 30 },
    packetsPerSecond: { type: "integer", minimum: 1, maximum: 5000, default: 250, description: "synthetic mode: RTP packets per second (about 1100 bytes each)" },
  },
} as const;

/** Token files are absolute: the process's working directory says nothing about where a Secret is mounted. */
export const TOKEN_FILE_PATTERN = "^/.";

export const pathSchema = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", description: "URL path segment" },
    source: {
      type: "object",
      additionalProperties: false,
      description: "absent: a WHIP publisher feeds the path",
      properties: { rtp: rtpSourceSchema, testPattern: testPatternSchema },
    },
    waitForPublisher: { type: "boolean", default: false, description: "WHEP waits for a publisher instead of answering 409" },
    maxViewers: { type: "integer", minimum: 0, description: "0 or absent: only webrtc.maxSessions limits" },
    publishToken: { type: "string", description: "bearer token required to publish (plain YAML files; exclusive with publishTokenFile)" },
    readToken: { type: "string", description: "bearer token required to view (plain YAML files; exclusive with readTokenFile)" },
    publishTokenFile: { type: "string", pattern: TOKEN_FILE_PATTERN, description: "absolute path of a file holding the publish token (trimmed); re-read when it changes, so a rotated Secret needs no restart" },
    readTokenFile: { type: "string", pattern: TOKEN_FILE_PATTERN, description: "absolute path of a file holding the read token (trimmed); re-read when it changes" },
  },
} as const;

export const mediaNodeConfigSchema = {
  $id: "https://mediafleet.io/schemas/media-node-config.json",
  type: "object",
  additionalProperties: false,
  properties: {
    http: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        listen: listenSchema("0.0.0.0:8117"),
        maxBodyBytes: { type: "integer", minimum: 1024, maximum: 10485760, default: 65536 },
        corsOrigin: { type: "string", default: "*" },
      },
    },
    metrics: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: { listen: listenSchema("127.0.0.1:9998") },
    },
    pprof: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        listen: listenSchema("127.0.0.1:9999"),
        token: { type: "string", minLength: 1, description: "bearer token required by /debug/pprof" },
      },
    },
    log: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: { level: { type: "string", enum: ["trace", "debug", "info", "warn", "error", "fatal", "silent"], default: "info" } },
    },
    webrtc: webrtcSchema,
    paths: { type: "array", items: pathSchema, default: [] },
  },
} as const;

/** The validated, defaulted configuration (the shape `mediaNodeConfigSchema` guarantees). */
import type { MDNS_MODES, NACK_MODES, RTP_CODECS } from "./schema.js";

export type NackMode = (typeof NACK_MODES)[number];
export type MdnsMode = (typeof MDNS_MODES)[number];
export type RtpCodec = (typeof RTP_CODECS)[number];

export interface IceServer { urls: string; username?: string; credential?: string }

export interface WebrtcConfig {
  udpHost: string;
  udpPort: number;
  ipsFromInterfaces: boolean;
  additionalHosts: string[];
  iceServers: IceServer[];
  nack: { mode: NackMode; historyPackets: number };
  mdns: { mode: MdnsMode };
  rtcpReportInterval: string;
  maxSessions: number;
  sessionTimeout: string;
}

export interface RtpSourceConfig { host: string; port: number; codec: RtpCodec; payloadType: number; clockRate: number }

export interface TestPatternConfig { mode: "clip" | "synthetic"; fps: number; packetsPerSecond: number }

export interface PathConfig {
  name: string;
  source?: { rtp?: RtpSourceConfig; testPattern?: TestPatternConfig };
  waitForPublisher: boolean;
  maxViewers?: number;
  /** Inline tokens: for a plain YAML file (a standalone node). Exclusive with the *TokenFile twin. */
  publishToken?: string;
  readToken?: string;
  /** Absolute paths of files holding the tokens (e.g. a mounted Secret); re-read when they change. */
  publishTokenFile?: string;
  readTokenFile?: string;
}

export interface MediaNodeConfig {
  http: { listen: string; maxBodyBytes: number; corsOrigin: string };
  metrics: { listen: string };
  pprof: { listen: string; token?: string };
  log: { level: string };
  webrtc: WebrtcConfig;
  paths: PathConfig[];
}

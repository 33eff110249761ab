/** What a session needs from the node: peers, config knobs, metrics, logs, the registry, the watchdogs. */
import type { Logger } from "pino";
import type { WebrtcConfig } from "../config/types.js";
import type { MediaCounters } from "../fanout/mediaCounters.js";
import type { PeerFactory } from "./peerFactory.js";
import type { SessionRegistry } from "./registry.js";
import type { Watchdogs } from "./watchdogs.js";

export interface SessionContext {
  peers: PeerFactory;
  webrtc: WebrtcConfig;
  /** webrtc.sessionTimeout in ms: no media (publisher) / no ICE (viewer) for this long ends a session. */
  sessionTimeoutMs: number;
  /** The one timer that ends sessions silent for sessionTimeoutMs. */
  watchdogs: Watchdogs;
  metrics: MediaCounters;
  logger: Logger;
  registry: SessionRegistry;
}

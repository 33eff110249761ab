/**
 * The contract of the ICE endpoint, readable without its implementation.
 *
 * One UDP socket carries the ICE, DTLS and SRTP traffic of every session of the process
 * (as the production deployment ran with `-p 8118:8118/udp`); the mDNS policy decides what
 * happens to `.local` remote candidates. `endpoint.ts` implements it.
 */
import type { RTCPeerConnection, RTCPeerConnectionConfig } from "werift";

/** `off`: `.local` candidates ignored, no mDNS socket; `shared`: one cached resolver per process; `perConnection`: werift's own. */
export type MdnsMode = "off" | "shared" | "perConnection";

/** Why a datagram that reached the shared port was dropped before any session saw it. */
export type DropReason =
  | "garbage" // empty, or a first byte outside every RFC 7983 range (not STUN/DTLS/RTP/RTCP/TURN channel)
  | "truncatedStun" // looks like STUN but is shorter than its header or declared length
  | "malformedStun" // bad magic cookie, unaligned length, broken USERNAME
  | "stunWithoutUsername" // a STUN request without USERNAME cannot be an ICE check
  | "unknownUfrag" // an ICE check for a local ufrag no live session owns
  | "unknownAddress"; // a STUN response or media from an address no session talks to

/** Which way a remote candidate or a selected pair went (counted, for the mDNS decision). */
export type CandidatePath =
  | "mdnsIgnored" // a `.local` candidate dropped because mdns.mode is off
  | "mdnsResolved" // a `.local` candidate resolved to an address
  | "mdnsUnresolved" // a `.local` candidate whose lookup failed or timed out
  | "endOfCandidatesWithheld" // nothing usable was left, so end-of-candidates was not passed to werift
  | "selectedHost"
  | "selectedServerReflexive"
  | "selectedRelay"
  | "selectedPeerReflexive"; // the pair came from the peer's checks, not from a signalled candidate

/**
 * Counters the observe module maps to prom-client. Every method is optional; a listener
 * that throws is caught and ignored (it must not break the media path).
 */
export interface IceEventSink {
  datagramDropped?(reason: DropReason): void;
  /** One multicast query sent (shared resolver) or started (werift's per-connection resolver). */
  mdnsQuery?(mode: Exclude<MdnsMode, "off">): void;
  candidatePath?(path: CandidatePath): void;
}

export interface IceEndpointOptions {
  /** Bind address of the shared socket, e.g. "0.0.0.0" or a pod IP like "127.0.3.4". IPv6 binds udp6. */
  host: string;
  /** 8118 by default in the config; 0 = ephemeral (tests). */
  port: number;
  /** Extra advertised host candidates (node or public IPs), same family as `host`. */
  additionalHosts: string[];
  /** false: advertise only `additionalHosts`; true: also the interface addresses the socket can receive on. */
  ipsFromInterfaces: boolean;
  iceServers: { urls: string; username?: string; credential?: string }[];
  mdnsMode: MdnsMode;
  events?: IceEventSink;
  /** Shared-resolver lookup timeout (default 3000 ms) and cache lifetime cap (default 120 s). */
  mdnsTimeoutMs?: number;
  mdnsCacheMs?: number;
}

export interface IceCounters {
  dropped: Record<DropReason, number>;
  mdnsQueries: number;
  candidatePaths: Record<CandidatePath, number>;
}

export interface IceEndpointStats {
  /** ICE agents (werift Connections) currently attached to the shared socket. */
  sessions: number;
  /** ufrag keys + remote-address keys in the demultiplexing table (0 once every session closed). */
  demuxEntries: number;
  /** mDNS sockets this endpoint holds (0 or 1: the shared resolver, opened on first use). */
  mdnsSockets: number;
  counters: IceCounters;
}

export interface PrepareRemoteSdpResult {
  sdp: string;
  droppedMdnsCandidates: number;
  withheldEndOfCandidates: boolean;
}

export interface IceEndpoint {
  /** The bound port (the real one when `port` was 0). */
  readonly port: number;
  /** The host candidates every session advertises (all on `port`). */
  readonly advertisedHosts: readonly string[];
  /**
   * A werift RTCPeerConnection whose ICE runs over the shared socket and follows the mDNS
   * policy. The endpoint owns these fields of `config` and overrides them: iceAdditionalHostAddresses,
   * iceUseIpv4/6 (host addresses come from the endpoint), icePortRange, iceInterfaceAddresses,
   * iceUseTcp (UDP only). `iceServers` defaults to the endpoint's. `iceFilterStunResponse` is kept
   * (wrapped). Without a STUN server in iceServers no server-reflexive gathering happens (werift
   * would otherwise fall back to a public STUN host).
   */
  createPeerConnection(config?: RTCPeerConnectionConfig): RTCPeerConnection;
  /** Rewrite a remote offer/answer per the mDNS policy before setRemoteDescription. */
  prepareRemoteSdp(sdp: string): PrepareRemoteSdpResult;
  /** For a trickled candidate (PATCH trickle-ice-sdpfrag): false = drop it (a `.local` name while mdns is off). */
  acceptRemoteCandidate(candidateLine: string): boolean;
  stats(): IceEndpointStats;
  /** Idempotent. Closes the shared socket and the shared resolver; live sessions stop receiving. */
  close(): Promise<void>;
}

/**
 * THE handoff: once a viewer's peer connection is connected, everything the node still needs of
 * it is copied out of werift as plain data (types.ts ViewerHandoff): per DTLS transport the
 * nominated remote address and the shared port's socket of that pair, the node's ICE password,
 * the SRTP master keys and profile, the DTLS record state, the transport-wide sequence counter;
 * per sender its negotiated SSRCs, payload types, mid, CNAME and header extensions. The session
 * then closes werift's peer connection; nothing downstream keeps a werift object.
 *
 * werift 0.25.2 keeps these in non-exported fields: RTCDtlsTransport `srtp.config`,
 * `transportSequenceNumber`, `iceTransport.connection` (the ICE agent: `localPassword`,
 * `nominated.remoteAddr`, `nominated.protocol.transport`), `dtls` (dtlsState.ts); RTCRtpSender
 * `cname`, `mid`, `headerExtensions`, `rtxPayloadType`. The registry checks them at boot
 * ("srtp-keys", "dtls-records", "viewer-handoff"); a connection that still does not fit throws
 * a WeriftSeamError naming the seam: the session ends loudly instead of staying on werift.
 */
import type { RTCPeerConnection, RTCRtpSender } from "werift";
import { dtlsRecordKeysOf, DTLS_RECORDS_SEAM } from "./dtlsState.js";
import { WeriftSeamError, type SeamReport } from "./errors.js";
import type { AdoptableSocket, HandedOverConnection, NegotiatedSender, SrtpKeys, ViewerHandoff } from "./types.js";

export const VIEWER_HANDOFF_SEAM = "viewer-handoff";
export const SRTP_KEYS_SEAM = "srtp-keys";
const SUPPORTED_PROFILES = new Set([0x0001, 0x0007]);

interface TransportInternals {
  state?: string;
  transportSequenceNumber?: unknown;
  srtp?: { config?: { profile?: unknown; keys?: Record<string, unknown> } };
  iceTransport?: { connection?: AgentInternals };
  dtls?: unknown;
}
interface AgentInternals {
  localPassword?: unknown;
  nominated?: { remoteAddr?: unknown; protocol?: { transport?: unknown } };
}
interface SenderInternals {
  ssrc?: unknown;
  rtxSsrc?: unknown;
  codec?: { payloadType?: unknown; clockRate?: unknown; mimeType?: unknown };
  cname?: unknown;
  mid?: unknown;
  headerExtensions?: unknown;
  rtxPayloadType?: unknown;
  dtlsTransport?: unknown;
}

const isBuffer = (value: unknown): value is Buffer => Buffer.isBuffer(value);

/** The sending-direction and receiving-direction master keys werift derived for `transport`. */
export function srtpKeysOf(transport: unknown): { keys?: SrtpKeys; problems: string[] } {
  const config = (transport as TransportInternals | undefined)?.srtp?.config;
  if (!config) return { problems: ["RTCDtlsTransport.srtp.config"] };
  const problems: string[] = [];
  if (!SUPPORTED_PROFILES.has(config.profile as number)) problems.push(`RTCDtlsTransport.srtp.config.profile (0x0001 or 0x0007, got ${String(config.profile)})`);
  const k = config.keys ?? {};
  for (const name of ["localMasterKey", "localMasterSalt", "remoteMasterKey", "remoteMasterSalt"]) if (!isBuffer(k[name])) problems.push(`RTCDtlsTransport.srtp.config.keys.${name}`);
  if (problems.length > 0) return { problems };
  const copy = (name: string) => Buffer.from(k[name] as Buffer);
  return {
    keys: { profile: config.profile as number, localMasterKey: copy("localMasterKey"), localMasterSalt: copy("localMasterSalt"), remoteMasterKey: copy("remoteMasterKey"), remoteMasterSalt: copy("remoteMasterSalt") },
    problems,
  };
}

/** What one sender was negotiated with (werift sets it in prepareSend). */
export function negotiatedSenderOf(sender: unknown): { sender?: NegotiatedSender; problems: string[] } {
  const s = (sender ?? {}) as SenderInternals;
  const problems: string[] = [];
  if (typeof s.ssrc !== "number" || typeof s.rtxSsrc !== "number") problems.push("RTCRtpSender.ssrc/rtxSsrc");
  const codec = s.codec;
  if (typeof codec?.payloadType !== "number" || typeof codec.clockRate !== "number" || typeof codec.mimeType !== "string") problems.push("RTCRtpSender.codec {payloadType, clockRate, mimeType}");
  for (const name of ["cname", "mid", "rtxPayloadType"] as const) if (!(name in s)) problems.push(`RTCRtpSender.${name}`);
  const extensions = s.headerExtensions;
  if (!Array.isArray(extensions) || !extensions.every((e: { id?: unknown; uri?: unknown }) => typeof e?.id === "number" && typeof e.uri === "string")) problems.push("RTCRtpSender.headerExtensions [{id, uri}]");
  if (problems.length > 0) return { problems };
  return {
    sender: {
      ssrc: s.ssrc as number,
      rtxSsrc: s.rtxSsrc as number,
      payloadType: codec!.payloadType as number,
      clockRate: codec!.clockRate as number,
      mimeType: codec!.mimeType as string,
      rtxPayloadType: typeof s.rtxPayloadType === "number" ? s.rtxPayloadType : undefined,
      mid: typeof s.mid === "string" ? s.mid : undefined,
      cname: typeof s.cname === "string" ? s.cname : undefined,
      headerExtensions: (extensions as { id: number; uri: string }[]).map(({ id, uri }) => ({ id, uri })),
    },
    problems,
  };
}

/** The ICE half of a connected transport: where media goes, the socket of that pair, our password. */
export function nominatedPathOf(transport: unknown): { path?: Pick<HandedOverConnection, "remote" | "iceLocalPassword" | "socket">; problems: string[] } {
  const agent = (transport as TransportInternals | undefined)?.iceTransport?.connection;
  const problems: string[] = [];
  if (!agent) return { problems: ["RTCDtlsTransport.iceTransport.connection"] };
  if (typeof agent.localPassword !== "string") problems.push("Connection.localPassword");
  const addr = agent.nominated?.remoteAddr;
  if (!Array.isArray(addr) || typeof addr[0] !== "string" || typeof addr[1] !== "number") problems.push("Connection.nominated.remoteAddr");
  const socket = agent.nominated?.protocol?.transport as Partial<AdoptableSocket> | undefined;
  if (typeof socket?.adopt !== "function") problems.push("Connection.nominated.protocol.transport is not the shared port's transport");
  if (problems.length > 0) return { problems };
  const [host, port] = addr as [string, number];
  return { path: { remote: [host, port], iceLocalPassword: agent.localPassword as string, socket: socket as AdoptableSocket }, problems };
}

function connectionOf(transport: unknown, reports: SeamReport[]): HandedOverConnection | undefined {
  const t = transport as TransportInternals;
  const handoff: string[] = [];
  if (t.state !== "connected") handoff.push(`RTCDtlsTransport.state is ${String(t.state)}, not connected`);
  if (typeof t.transportSequenceNumber !== "number") handoff.push("RTCDtlsTransport.transportSequenceNumber");
  const path = nominatedPathOf(t);
  handoff.push(...path.problems);
  const srtp = srtpKeysOf(t);
  const dtls = dtlsRecordKeysOf(t.dtls);
  if (handoff.length > 0) reports.push({ seam: VIEWER_HANDOFF_SEAM, problems: handoff });
  if (srtp.problems.length > 0) reports.push({ seam: SRTP_KEYS_SEAM, problems: srtp.problems });
  if (dtls.problems.length > 0) reports.push({ seam: DTLS_RECORDS_SEAM, problems: dtls.problems });
  if (!path.path || !srtp.keys || !dtls.keys || handoff.length > 0) return undefined;
  return { ...path.path, srtp: srtp.keys, dtls: dtls.keys, transportSequenceNumber: t.transportSequenceNumber as number };
}

/**
 * Copies a connected viewer out of werift. `senders` are the viewer's sending transceivers'
 * senders; the result lists them in the same order. Throws WeriftSeamError when anything is
 * not where it was at boot (nothing is taken over then: the caller ends the session).
 */
export function handOffViewer(pc: RTCPeerConnection, senders: readonly RTCRtpSender[]): ViewerHandoff {
  // only the transports that carry a sender (werift closes the others with the peer connection)
  const all: unknown[] = pc.dtlsTransports;
  const transports = [...new Set(senders.map((s) => (s as unknown as SenderInternals).dtlsTransport))].filter((t) => all.includes(t));
  const reports: SeamReport[] = [];
  const connections = transports.map((t) => connectionOf(t, reports));
  const out = senders.map((sender) => {
    const negotiated = negotiatedSenderOf(sender);
    const connection = transports.indexOf((sender as unknown as SenderInternals).dtlsTransport);
    const problems = [...negotiated.problems];
    if (connection < 0) problems.push("RTCRtpSender.dtlsTransport is none of the peer connection's dtlsTransports");
    if (problems.length > 0) reports.push({ seam: VIEWER_HANDOFF_SEAM, problems });
    return { connection, sender: negotiated.sender! };
  });
  if (reports.length > 0) throw new WeriftSeamError(reports, "the viewer is not taken over, its session ends");
  return { connections: connections as HandedOverConnection[], senders: out };
}

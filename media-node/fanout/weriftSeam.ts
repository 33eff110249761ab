/**
 * Every werift internal the lean path relies on, named and checked in ONE place. werift's
 * `RTCRtpSender.sendRtp` clones and rewrites each packet, keeps a 128-packet cache per sender,
 * runs senderBWE bookkeeping per packet and starts an RTCP loop per sender; the lean path
 * instead writes its own header and calls the sender's DTLS transport directly. That needs:
 *
 * - `RTCDtlsTransport.sendRtp(payload, header)` encrypting SYNCHRONOUSLY before its first
 *   await (so one RtpHeader object per viewer can be reused packet after packet) and never
 *   rejecting (it wraps its body in try/catch, so no per-packet .catch() is needed), and
 *   `sendRtcp(packets)`, `state`, `transportSequenceNumber`, `onRtcp`.
 * - `RTCRtpSender` fields set by negotiation: `codec`, `ssrc`, `rtxSsrc`, and the private
 *   `mid`, `cname`, `headerExtensions`, `rtxPayloadType`.
 * - `RtpRouter.routeRtcp` delivering viewer RTCP to `sender.handleRtcpPacket(packet)`, which we
 *   replace on lean senders (the stock one answers NACKs from its own cache, feeds BWE).
 * - `RTCRtpSender.runRtcp` returning at once while `rtcpRunning` is true: we set that latch so
 *   the per-sender SR loop never starts (our report wheel sends SRs instead).
 * - For RTP protection by our own SRTP (srtp/weriftTransport.ts): the connected transport's
 *   `srtp.config` { profile, keys.localMasterKey/localMasterSalt } and
 *   `iceTransport.connection.send`; `findSrtpSeamProblems` also protects a packet with werift's
 *   SrtpSession and ours and compares the bytes.
 *
 * `assertWeriftSeams()` throws an Error naming the installed werift version when any of this
 * is missing; `leanSender.seam.test.ts` runs it so an upgrade fails a test, not production.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { readFileSync } from "node:fs";
import { RTCDtlsTransport, RTCRtpSender, RtpHeader, RtpRouter, type RtcpPacket } from "werift";
import { findSrtpSeamProblems, leanSrtpMode, liveSrtpProblems } from "./srtp/weriftTransport.js";

export const WERIFT_VERSION_VERIFIED = "0.25.2";

/** The private fields of RTCRtpSender the lean path reads (cast through this view only). */
export interface SenderInternals {
  ssrc: number;
  rtxSsrc: number;
  codec?: { payloadType: number; clockRate: number; mimeType: string };
  mid?: string;
  cname?: string;
  headerExtensions: { id: number; uri: string }[];
  rtxPayloadType?: number;
  track: unknown;
  rtcpRunning: boolean;
  rtcpCancel: AbortController;
  dtlsTransport?: TransportInternals;
  handleRtcpPacket(packet: RtcpPacket): void;
  sendRtp(rtp: unknown): Promise<void>;
}

export interface TransportInternals {
  state: string;
  transportSequenceNumber: number;
  sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
  sendRtcp(packets: { serialize(): Buffer }[]): Promise<number | undefined>;
  onRtcp: { subscribe(fn: (packet: RtcpPacket) => void): { unSubscribe: () => void } };
}

export const senderInternals = (sender: RTCRtpSender) => sender as unknown as SenderInternals;

export function installedWeriftVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    // the package `exports` hides package.json; walk up from the CommonJS entry instead
    let dir = dirname(require.resolve("werift"));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (pkg.name === "werift") return pkg.version ?? "unknown";
      } catch {
        // not here; keep walking up
      }
    }
  } catch {
    // fall through
  }
  return "unknown";
}

const SENDER_FIELDS = ["ssrc", "rtxSsrc", "codec", "mid", "cname", "headerExtensions", "rtxPayloadType", "track", "rtcpRunning", "rtcpCancel", "dtlsTransport"];

/** Problems found, empty when every seam is where the lean path expects it. */
export function findSeamProblems(): string[] {
  const problems: string[] = [];
  const sender = new RTCRtpSender("video") as unknown as Record<string, unknown>;
  for (const field of SENDER_FIELDS) if (!(field in sender)) problems.push(`RTCRtpSender has no field '${field}'`);
  if (sender.rtcpRunning !== false) problems.push("RTCRtpSender.rtcpRunning is not false on a new sender");
  if (!(sender.rtcpCancel instanceof AbortController)) problems.push("RTCRtpSender.rtcpCancel is not an AbortController");
  for (const method of ["handleRtcpPacket", "sendRtp", "runRtcp", "stop"]) {
    if (typeof (RTCRtpSender.prototype as unknown as Record<string, unknown>)[method] !== "function") problems.push(`RTCRtpSender.prototype.${method} is missing`);
  }
  const runRtcp = String((RTCRtpSender.prototype as unknown as Record<string, unknown>).runRtcp);
  if (!/if\s*\(\s*this\.rtcpRunning\s*\|\|\s*this\.stopped\s*\)\s*return/.test(runRtcp)) {
    problems.push("RTCRtpSender.runRtcp no longer returns early while rtcpRunning is set");
  }
  const dtlsProto = RTCDtlsTransport.prototype as unknown as Record<string, unknown>;
  for (const method of ["sendRtp", "sendRtcp"]) if (typeof dtlsProto[method] !== "function") problems.push(`RTCDtlsTransport.prototype.${method} is missing`);
  const dtlsSendRtp = String(dtlsProto.sendRtp);
  const encryptAt = dtlsSendRtp.indexOf("this.srtp.encrypt(payload, header)");
  const awaitAt = dtlsSendRtp.indexOf("await");
  if (encryptAt < 0 || (awaitAt >= 0 && awaitAt < encryptAt)) {
    problems.push("RTCDtlsTransport.sendRtp no longer encrypts (payload, header) before its first await");
  }
  // the lean path does not attach .catch() per packet (one promise less per packet per viewer):
  // werift's sendRtp must keep swallowing its own errors
  if (!/^async sendRtp\(payload, header\) \{\s*try \{/.test(dtlsSendRtp) || !/catch \(error\) \{\s*log\w*\(/.test(dtlsSendRtp)) {
    problems.push("RTCDtlsTransport.sendRtp no longer catches its own errors");
  }
  const router = new RtpRouter() as unknown as { routeRtcp?: unknown };
  if (typeof router.routeRtcp !== "function" || !String(router.routeRtcp).includes("handleRtcpPacket(")) {
    problems.push("RtpRouter.routeRtcp no longer dispatches to recipient.handleRtcpPacket");
  }
  problems.push(...findSrtpSeamProblems()); // the lean path's own SRTP keyed from werift's transport
  const header = new RtpHeader();
  for (const field of ["payloadType", "sequenceNumber", "timestamp", "ssrc", "marker", "extensions", "padding", "csrc"]) {
    if (!(field in header)) problems.push(`RtpHeader has no field '${field}'`);
  }
  return problems;
}

let verified = false;

/** Throw a clear Error when werift changed underneath the lean path. Cheap after the first call. */
export function assertWeriftSeams(): void {
  if (verified) return;
  const problems = findSeamProblems();
  if (problems.length > 0) {
    throw new Error(
      `werift ${installedWeriftVersion()} does not match the internals the lean fan-out path uses ` +
        `(verified against ${WERIFT_VERSION_VERIFIED}): ${problems.join("; ")}`,
    );
  }
  verified = true;
}

/** Checks on a live, negotiated transport (fields that only exist once DTLS is set up). */
export function assertTransportSeam(transport: unknown): asserts transport is TransportInternals {
  const t = transport as Partial<TransportInternals> | undefined;
  const missing: string[] = [];
  if (!t) missing.push("sender.dtlsTransport");
  else {
    if (typeof t.transportSequenceNumber !== "number") missing.push("transportSequenceNumber");
    if (typeof t.sendRtp !== "function") missing.push("sendRtp");
    if (typeof t.sendRtcp !== "function") missing.push("sendRtcp");
    if (typeof t.onRtcp?.subscribe !== "function") missing.push("onRtcp.subscribe");
    if (leanSrtpMode() === "fast") missing.push(...liveSrtpProblems(t)); // keys/profile for srtp/
  }
  if (missing.length > 0) {
    throw new Error(`werift ${installedWeriftVersion()}: RTCDtlsTransport lacks ${missing.join(", ")} (lean fan-out verified against ${WERIFT_VERSION_VERIFIED})`);
  }
}

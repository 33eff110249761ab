/**
 * Where the lean path meets werift's DTLS transport for RTP protection. After the handshake
 * werift 0.25.2 keeps, on `RTCDtlsTransport`:
 * - `srtp`: an `SrtpSession` whose `config` is `{ profile, keys: { localMasterKey,
 *   localMasterSalt, remoteMasterKey, remoteMasterSalt } }` (set by `updateSrtpSession` from
 *   the DTLS exporter; "local" is the direction we SEND with);
 * - `iceTransport.connection.send(datagram)`, which `sendRtp` calls after `srtp.encrypt`, and
 *   the `bytesSent` / `packetsSent` counters it bumps (getStats reads them).
 * The lean output protects with our own protector from those master keys and then does what
 * `sendRtp` does after encrypting. RTCP still goes through werift's `srtcp` session.
 *
 * `findSrtpSeamProblems()` (run by weriftSeam.ts `findSeamProblems`) checks the shape on
 * werift's own classes AND protects one packet per profile both ways, comparing bytes.
 */
import { randomBytes } from "node:crypto";
import { RTCDtlsTransport, RtpHeader, SrtpSession, keyLength, saltLength } from "werift";
import { createSrtpProtector } from "./createProtector.js";
import { AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, isSupportedProfile } from "./profiles.js";
import type { MasterKeys, SrtpProtector } from "./protector.js";
import type { RtpHeaderFields } from "./rtpHeaderWriter.js";

/** The fields of a connected werift RTCDtlsTransport the lean RTP output reads. */
export interface SrtpTransportView {
  srtp?: { config?: { profile?: unknown; keys?: { localMasterKey?: unknown; localMasterSalt?: unknown } } };
  iceTransport?: { connection?: { send?: (data: Buffer) => Promise<unknown> } };
  bytesSent: number;
  packetsSent: number;
  sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
}

/**
 * What is missing on a live transport; empty when the lean output can use it. A transport with
 * no `srtp` session at all (no SRTP negotiated, or a stand-in transport in tests) is not a seam
 * problem: there is nothing to key from, and its own `sendRtp` is used (a rename of the field
 * is caught at startup by findSrtpSeamProblems reading updateSrtpSession).
 */
export function liveSrtpProblems(transport: unknown): string[] {
  const t = transport as Partial<SrtpTransportView> | undefined;
  if (t !== undefined && t.srtp === undefined) return [];
  const problems: string[] = [];
  const config = t?.srtp?.config;
  if (!config) problems.push("srtp.config");
  else {
    if (!isSupportedProfile(config.profile)) problems.push(`srtp.config.profile (a supported profile id, got ${String(config.profile)})`);
    if (!Buffer.isBuffer(config.keys?.localMasterKey)) problems.push("srtp.config.keys.localMasterKey");
    if (!Buffer.isBuffer(config.keys?.localMasterSalt)) problems.push("srtp.config.keys.localMasterSalt");
  }
  if (typeof t?.iceTransport?.connection?.send !== "function") problems.push("iceTransport.connection.send");
  if (typeof t?.bytesSent !== "number" || typeof t?.packetsSent !== "number") problems.push("bytesSent/packetsSent counters");
  return problems;
}

/** The sending-direction master keys of a connected transport (check liveSrtpProblems first). */
export function sendingKeysOf(transport: SrtpTransportView): MasterKeys {
  const config = transport.srtp!.config!;
  return { profile: config.profile as number, masterKey: config.keys!.localMasterKey as Buffer, masterSalt: config.keys!.localMasterSalt as Buffer };
}

type SessionView = NonNullable<SrtpTransportView["srtp"]> & { encrypt(payload: Buffer, header: RtpHeader): Buffer };

/** Static checks against the installed werift (no connection needed). */
export function findSrtpSeamProblems(): string[] {
  const problems: string[] = [];
  const proto = RTCDtlsTransport.prototype as unknown as Record<string, unknown>;
  const update = String(proto.updateSrtpSession);
  if (!/localMasterKey:\s*localKey/.test(update) || !/localMasterSalt:\s*localSalt/.test(update) || !/this\.srtp\s*=\s*new\s+\w+\(\s*config\s*\)/.test(update)) {
    problems.push("RTCDtlsTransport.updateSrtpSession no longer builds this.srtp from { keys: { localMasterKey, localMasterSalt, ... }, profile }");
  }
  const sendRtp = String(proto.sendRtp);
  if (!sendRtp.includes("this.iceTransport.connection.send(") || !sendRtp.includes("this.bytesSent +=") || !sendRtp.includes("this.packetsSent++")) {
    problems.push("RTCDtlsTransport.sendRtp no longer sends through iceTransport.connection.send and counts bytesSent/packetsSent");
  }
  for (const profile of [AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM] as const) {
    try {
      const keys = { localMasterKey: randomBytes(keyLength(profile)!), localMasterSalt: randomBytes(saltLength(profile)!), remoteMasterKey: randomBytes(keyLength(profile)!), remoteMasterSalt: randomBytes(saltLength(profile)!) };
      const session = new SrtpSession({ profile, keys }) as unknown as SessionView;
      const config = session.config;
      if (config?.profile !== profile || config.keys?.localMasterKey !== keys.localMasterKey || config.keys?.localMasterSalt !== keys.localMasterSalt) {
        problems.push(`SrtpSession no longer keeps its config { profile, keys } (profile ${profile})`);
        continue;
      }
      const header = new RtpHeader({ payloadType: 96, sequenceNumber: 4242, timestamp: 99, ssrc: 0x5eed, extensions: [{ id: 1, payload: Buffer.from("m") }] });
      const payload = randomBytes(123);
      const ours = createSrtpProtector({ profile, masterKey: keys.localMasterKey, masterSalt: keys.localMasterSalt }).protect(header, payload);
      if (!ours?.equals(session.encrypt(payload, header))) problems.push(`SrtpSession.encrypt (profile ${profile}) and the lean protector disagree on the same keys`);
    } catch (error) {
      problems.push(`SrtpSession self-test for profile ${profile} threw: ${(error as Error).message}`);
    }
  }
  return problems;
}

const noop = () => undefined;

/** Sends one RTP packet of the lean path on a transport. */
export interface LeanRtpOutput {
  send(payload: Buffer, header: RtpHeaderFields & RtpHeader): void;
  /**
   * Protect as before but hand each packet to `sink` and forget werift's transport (a linked
   * viewer, session/viewer-link.ts). Absent on werift's own path, which cannot be redirected.
   */
  redirect?(sink: (packet: Buffer) => void): void;
}

/**
 * Protect with our protector, then what werift's sendRtp does after its encrypt. The protector
 * follows `transport.srtp`: if werift ever replaced the session (new keys), it is rebuilt.
 */
class FastSrtpOutput implements LeanRtpOutput {
  private session: unknown;
  private protector: SrtpProtector;
  private transport: SrtpTransportView | undefined;
  private sink: ((packet: Buffer) => void) | undefined;

  constructor(transport: SrtpTransportView) {
    this.transport = transport;
    this.session = transport.srtp;
    this.protector = createSrtpProtector(sendingKeysOf(transport));
  }

  send(payload: Buffer, header: RtpHeaderFields): void {
    if (this.sink) {
      const packet = this.protector.protect(header, payload);
      if (packet !== undefined) this.sink(packet);
      return;
    }
    const t = this.transport!;
    if (t.srtp !== this.session) {
      this.session = t.srtp;
      this.protector = createSrtpProtector(sendingKeysOf(t));
    }
    const packet = this.protector.protect(header, payload);
    if (packet === undefined) return;
    t.bytesSent += packet.length;
    t.packetsSent++;
    t.iceTransport!.connection!.send!(packet).catch(noop);
  }

  /** The same protector (its rollover counters carry over) from now on sends through `sink`. */
  redirect(sink: (packet: Buffer) => void): void {
    this.sink = sink;
    this.transport = undefined;
    this.session = undefined;
  }
}

/** werift's own path (`RTCDtlsTransport.sendRtp`), for measuring against and as an escape hatch. */
class WeriftSrtpOutput implements LeanRtpOutput {
  constructor(private readonly transport: SrtpTransportView) {}
  send(payload: Buffer, header: RtpHeader): void {
    void this.transport.sendRtp(payload, header); // never rejects (weriftSeam checks)
  }
}

export type LeanSrtpMode = "fast" | "werift";
let mode: LeanSrtpMode = process.env.MEDIA_NODE_LEAN_SRTP === "werift" ? "werift" : "fast";

/** Process-wide: which protector transports bound FROM NOW ON use (benchmarks, escape hatch). */
export function setLeanSrtpMode(next: LeanSrtpMode): void {
  mode = next;
}

export function leanSrtpMode(): LeanSrtpMode {
  return mode;
}

/** One output per transport: audio and video senders of a BUNDLE share its keys and derivation. */
const outputs = new WeakMap<object, LeanRtpOutput>();

/** The RTP output for a connected transport (call liveSrtpProblems first in "fast" mode). */
export function leanRtpOutputFor(transport: SrtpTransportView): LeanRtpOutput {
  let out = outputs.get(transport);
  if (!out) {
    out = mode === "fast" && transport.srtp !== undefined ? new FastSrtpOutput(transport) : new WeriftSrtpOutput(transport);
    outputs.set(transport, out);
  }
  return out;
}

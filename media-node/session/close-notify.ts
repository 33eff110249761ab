/**
 * werift 0.25.2 closes a peer connection without telling the peer (its RTCDtlsTransport.stop
 * says "todo impl send alert"), so a viewer whose session the node ended would only notice
 * when ICE consent expires 30 s later. RFC 8842 §5 / RFC 5246 §7.2.1: send a DTLS
 * close_notify alert first. werift and browsers both treat it as the transport closing.
 *
 * This reads werift's DtlsSocket fields (not exported types): `connected`, `dtls.version`,
 * `dtls.epoch`, `dtls.recordSequenceNumber`, `cipher.cipher.encrypt`, `cipher.sessionType`,
 * `transport.send`. `closeNotifySeamProblems` reports any that moved; close-notify.test.ts
 * fails when werift changes underneath, and at run time a missing field means "skip".
 */
import type { RTCPeerConnection } from "werift";

const CONTENT_TYPE_ALERT = 21;
const ALERT_LEVEL_WARNING = 1;
const ALERT_CLOSE_NOTIFY = 0;

interface DtlsSocketInternals {
  connected?: boolean;
  dtls?: { version?: { major: number; minor: number }; epoch?: number; recordSequenceNumber?: number };
  cipher?: { sessionType?: unknown; cipher?: { encrypt(sessionType: unknown, data: Buffer, header: object): Buffer } };
  transport?: { send(buf: Buffer): unknown };
}

function socketsOf(pc: RTCPeerConnection): DtlsSocketInternals[] {
  return pc.dtlsTransports.map((t) => (t as unknown as { dtls?: DtlsSocketInternals }).dtls).filter((s): s is DtlsSocketInternals => s !== undefined);
}

/** Names of the werift internals this module relies on that a connected socket lacks. */
export function closeNotifySeamProblems(socket: DtlsSocketInternals): string[] {
  const problems: string[] = [];
  if (typeof socket.connected !== "boolean") problems.push("DtlsSocket.connected");
  if (!socket.dtls?.version) problems.push("DtlsSocket.dtls.version");
  if (typeof socket.dtls?.epoch !== "number") problems.push("DtlsSocket.dtls.epoch");
  if (typeof socket.dtls?.recordSequenceNumber !== "number") problems.push("DtlsSocket.dtls.recordSequenceNumber");
  if (typeof socket.cipher?.cipher?.encrypt !== "function") problems.push("DtlsSocket.cipher.cipher.encrypt");
  if (typeof socket.transport?.send !== "function") problems.push("DtlsSocket.transport.send");
  return problems;
}

/**
 * Sockets that can encrypt an alert the peer will accept: connected ones, and ones still
 * finishing the handshake on our side that already switched to epoch 1 with keys (as DTLS
 * client we sent Finished; the peer may already consider the transport up and stream to it).
 */
export function connectedDtlsSockets(pc: RTCPeerConnection): DtlsSocketInternals[] {
  return socketsOf(pc).filter((s) => s.connected === true || ((s.dtls?.epoch ?? 0) >= 1 && typeof s.cipher?.cipher?.encrypt === "function"));
}

/** What it takes to seal one more record of a connected DTLS association. */
export interface CloseNotifyState {
  version: { major: number; minor: number };
  epoch: number;
  /** Of the last record sent; the alert takes the next one (and updates this). */
  sequenceNumber: number;
  /** werift's record cipher, bound to our side's session type. */
  encrypt(data: Buffer, header: object): Buffer;
}

/** The encrypted close_notify record (RFC 6347 §4.1) for the association's next sequence number. */
export function closeNotifyRecord(state: CloseNotifyState): Buffer {
  const { version, epoch } = state;
  const sequenceNumber = ++state.sequenceNumber;
  const alert = Buffer.from([ALERT_LEVEL_WARNING, ALERT_CLOSE_NOTIFY]);
  const fragment = state.encrypt(alert, { type: CONTENT_TYPE_ALERT, version: (version.major << 8) | version.minor, epoch, sequenceNumber });
  const record = Buffer.alloc(13 + fragment.length);
  record.writeUInt8(CONTENT_TYPE_ALERT, 0);
  record.writeUInt8(version.major, 1);
  record.writeUInt8(version.minor, 2);
  record.writeUInt16BE(epoch, 3);
  record.writeUIntBE(sequenceNumber, 5, 6);
  record.writeUInt16BE(fragment.length, 11);
  fragment.copy(record, 13);
  return record;
}

/** Sends an encrypted close_notify on every connected DTLS transport; best effort, never throws. */
export function sendCloseNotify(pc: RTCPeerConnection): number {
  let sent = 0;
  for (const socket of connectedDtlsSockets(pc)) {
    try {
      if (closeNotifySeamProblems(socket).length > 0) continue;
      const dtls = socket.dtls! as { version: { major: number; minor: number }; epoch: number; recordSequenceNumber: number };
      const cipher = socket.cipher!;
      const state: CloseNotifyState = { version: dtls.version, epoch: dtls.epoch, sequenceNumber: dtls.recordSequenceNumber, encrypt: (data, header) => cipher.cipher!.encrypt(cipher.sessionType, data, header) };
      const record = closeNotifyRecord(state);
      dtls.recordSequenceNumber = state.sequenceNumber;
      void Promise.resolve(socket.transport!.send(record)).catch(() => undefined);
      sent += 1;
    } catch {
      // A peer that never hears the alert still ends by ICE consent expiry.
    }
  }
  return sent;
}

/** close_notify, then werift's close. */
export function closePeer(pc: RTCPeerConnection): void {
  sendCloseNotify(pc);
  pc.close().catch(() => undefined);
}

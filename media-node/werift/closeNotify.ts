/**
 * werift 0.25.2 closes a peer connection without telling the peer (its RTCDtlsTransport.stop
 * says "todo impl send alert"), so a peer whose session the node ended would only notice when
 * ICE consent expires 30 s later. `closePeer` sends a DTLS close_notify first (RFC 8842 §5,
 * RFC 5246 §7.2.1) on every DTLS transport werift still runs for the node (publishers, and
 * viewers that end before their handoff); werift and browsers both treat it as the transport
 * closing. The record is sealed by the node's own code (session/dtlsRecord.ts) from the
 * socket's record state (dtlsState.ts, checked at boot as the "dtls-records" seam) and sent
 * through the socket's own transport, so its sequence number follows werift's.
 */
import type { RTCPeerConnection } from "werift";
import { closeNotifyRecord } from "../session/dtlsRecord.js";
import { dtlsRecordKeysOf, type DtlsSocketInternals } from "./dtlsState.js";

function socketsOf(pc: RTCPeerConnection): DtlsSocketInternals[] {
  return pc.dtlsTransports.map((t) => (t as unknown as { dtls?: DtlsSocketInternals }).dtls).filter((s): s is DtlsSocketInternals => s !== undefined);
}

/**
 * Sends an encrypted close_notify on every DTLS transport that can seal one the peer accepts:
 * connected ones, and ones still finishing the handshake on our side that already switched to
 * epoch 1 with keys (as DTLS client we sent Finished; the peer may already consider the
 * transport up and stream to it). A socket in its first flights has no keys: nothing to say.
 * Best effort, never throws; returns how many went out.
 */
export function sendCloseNotify(pc: RTCPeerConnection): number {
  let sent = 0;
  for (const socket of socketsOf(pc)) {
    const { keys } = dtlsRecordKeysOf(socket);
    if (!keys || keys.epoch < 1 || typeof socket.transport?.send !== "function") continue;
    try {
      const record = closeNotifyRecord(keys);
      socket.dtls!.recordSequenceNumber = keys.sequenceNumber; // werift's next record follows ours
      void Promise.resolve(socket.transport.send(record)).catch(() => undefined);
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

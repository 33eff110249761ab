/**
 * A connected viewer without werift. A WHEP viewer of the fan-out only ever receives: once ICE
 * and DTLS are up, all the node still does on its connection is send SRTP, send sender reports,
 * answer the viewer's ICE consent checks, read its RTCP (NACK, PLI/FIR, receiver reports) and
 * say goodbye with a DTLS close_notify. werift's peer connection keeps ~150 KB per viewer for
 * that (transceivers, the ICE agent with its check list and timers, the DTLS socket with its
 * handshake state, ~56 event emitters of ~10 closures each), so the session hands the
 * connection over to this link and closes the peer connection.
 *
 * What is kept: the shared port's transport for the nominated pair (adopted from werift's ICE
 * agent, ice/udpMux.ts), the remote address, the local ICE password (consent answers carry
 * MESSAGE-INTEGRITY), werift's SRTCP session object (keys and index; exported API), and the
 * DTLS record cipher with its epoch and sequence number (one alert at the end). SRTP output
 * stays with the lean sender's own protector (fanout/srtp), redirected to this link's socket.
 *
 * Every werift field read here is listed in `viewerLinkProblems()`; a connection that does not
 * look as expected is simply not linked (werift keeps running it, as before this module).
 */
import { Message, RtcpPacketConverter, parseMessage, type RTCPeerConnection, type RtcpPacket } from "werift";
import type { AdoptedTransport, Address } from "../ice/udpMux.js";
import { closeNotifyRecord, type CloseNotifyState } from "./close-notify.js";

const STUN_BINDING = 0x0001;
const STUN_REQUEST = 0x0000;
const STUN_SUCCESS = 0x0100;
const DTLS_ALERT = 21;

/** RTCP for the link's tracks (already parsed and bounded), and where unknown SSRCs are counted. */
export interface LinkEvents {
  onRtcp(packet: RtcpPacket): void;
  /** The viewer ended the connection (DTLS alert) or sent something we could not read. */
  onClosed(reason: string): void;
  onMalformed(kind: "stun" | "rtcp" | "dtls", reason: string): void;
}

interface SrtcpSessionView {
  encrypt(raw: Buffer): Buffer;
  decrypt(buf: Buffer): Buffer;
}

interface AdoptableTransport {
  adopt(onData: (data: Buffer, addr: Address) => void): AdoptedTransport;
}

interface ConnectionView {
  localPassword?: string;
  nominated?: { remoteAddr?: Address; protocol?: { transport?: unknown } };
}

interface DtlsTransportView {
  state?: string;
  srtcp?: Partial<SrtcpSessionView>;
  iceTransport?: { connection?: ConnectionView };
  dtls?: {
    connected?: boolean;
    dtls?: { version?: { major: number; minor: number }; epoch?: number; recordSequenceNumber?: number };
    cipher?: {
      sessionType?: unknown;
      cipher?: { encrypt(sessionType: unknown, data: Buffer, header: object): Buffer; decrypt(sessionType: unknown, data: Buffer, header: object): Buffer };
    };
  };
}

/** What is missing on a connected peer connection for it to be linked; empty when all is there. */
export function viewerLinkProblems(pc: RTCPeerConnection): string[] {
  const transports = pc.dtlsTransports as unknown as DtlsTransportView[];
  if (transports.length !== 1) return [`${transports.length} DTLS transports (one BUNDLE transport expected)`];
  const t = transports[0]!;
  const problems: string[] = [];
  if (t.state !== "connected") problems.push(`RTCDtlsTransport.state is ${t.state}`);
  if (typeof t.srtcp?.encrypt !== "function" || typeof t.srtcp?.decrypt !== "function") problems.push("RTCDtlsTransport.srtcp.encrypt/decrypt");
  const connection = t.iceTransport?.connection;
  if (typeof connection?.localPassword !== "string") problems.push("Connection.localPassword");
  const addr = connection?.nominated?.remoteAddr;
  if (!Array.isArray(addr) || typeof addr[0] !== "string" || typeof addr[1] !== "number") problems.push("Connection.nominated.remoteAddr");
  const transport = connection?.nominated?.protocol?.transport as Partial<AdoptableTransport> | undefined;
  if (typeof transport?.adopt !== "function") problems.push("Connection.nominated.protocol.transport is not a shared-port transport");
  const socket = t.dtls;
  if (socket?.connected !== true) problems.push("DtlsSocket.connected");
  if (!socket?.dtls?.version || typeof socket.dtls.epoch !== "number" || typeof socket.dtls.recordSequenceNumber !== "number") problems.push("DtlsSocket.dtls version/epoch/recordSequenceNumber");
  if (typeof socket?.cipher?.cipher?.encrypt !== "function" || typeof socket.cipher.cipher.decrypt !== "function") problems.push("DtlsSocket.cipher.cipher.encrypt/decrypt");
  return problems;
}

export class ViewerLink {
  private closed = false;
  private twccSeq = 0;
  /** Where media goes: the pair the viewer nominated last (it may nominate another later). */
  private remote: Address;
  private readonly password: Buffer;
  private readonly srtcp: SrtcpSessionView;
  private readonly alert: CloseNotifyState;
  /** Opens a record the viewer sealed (werift's record cipher, our side's session type). */
  private readonly openRecord: (fragment: Buffer, header: object) => Buffer;
  private readonly out: AdoptedTransport;
  private events: LinkEvents | undefined;
  /** Last time the viewer was heard from (any datagram), for the session's timeout. */
  lastHeardMs = Date.now();

  /** Take the connection over from werift (check viewerLinkProblems first). */
  constructor(pc: RTCPeerConnection, transportSequenceNumber: number) {
    const t = (pc.dtlsTransports as unknown as DtlsTransportView[])[0]!;
    const connection = t.iceTransport!.connection!;
    this.remote = [...connection.nominated!.remoteAddr!] as Address;
    this.password = Buffer.from(connection.localPassword!, "utf8");
    this.srtcp = t.srtcp as SrtcpSessionView;
    const socket = t.dtls!;
    const cipher = socket.cipher!;
    const dtls = socket.dtls!;
    const suite = cipher.cipher!;
    this.alert = { version: { ...dtls.version! }, epoch: dtls.epoch!, sequenceNumber: dtls.recordSequenceNumber!, encrypt: suite.encrypt.bind(suite, cipher.sessionType) };
    this.openRecord = suite.decrypt.bind(suite, cipher.sessionType);
    this.twccSeq = transportSequenceNumber;
    this.out = (connection.nominated!.protocol!.transport as AdoptableTransport).adopt((data, addr) => this.receive(data, addr));
  }

  /** Where RTCP and the end of the connection are reported (set once the tracks are bound). */
  listen(events: LinkEvents): void {
    this.events = events;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The next transport-wide sequence number (one counter per connection, like werift's). */
  nextTransportSeq(): number {
    this.twccSeq = (this.twccSeq + 1) & 0xffff;
    return this.twccSeq;
  }

  /** An SRTP packet, already protected. */
  sendSrtp = (packet: Buffer): void => {
    if (!this.closed) this.out.send(packet, this.remote);
  };

  sendRtcp(packets: { serialize(): Buffer }[]): void {
    if (this.closed) return;
    const raw = packets.length === 1 ? packets[0]!.serialize() : Buffer.concat(packets.map((p) => p.serialize()));
    this.sendSrtp(this.srtcp.encrypt(raw));
  }

  /** close_notify to the viewer, then free the port's entries. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.out.send(closeNotifyRecord(this.alert), this.remote);
    } catch {
      // the viewer then ends by consent expiry
    }
    this.closed = true;
    this.events = undefined;
    this.out.close();
  }

  // The mux delivers only what comes from addresses this session's checks claimed; a viewer may
  // send from any of its checked pairs (Chrome sends RTCP on the pair it selected last while
  // media still arrives on another), and SRTCP authentication rejects anything forged.
  private receive(data: Buffer, addr: Address): void {
    if (this.closed || data.length === 0) return;
    const first = data[0]!;
    if (first <= 3) return this.answerStun(data, addr);
    this.lastHeardMs = Date.now();
    if (first >= 20 && first <= 63) {
      // after the handshake the only DTLS a viewer sends is an alert: it is going away
      if (first === DTLS_ALERT) this.readAlert(data);
      else this.events?.onMalformed("dtls", "after_handshake");
      return;
    }
    if (first >= 128 && first <= 191 && data.length >= 8 && data[1]! >= 192 && data[1]! <= 223) this.readRtcp(data);
    // SRTP from a viewer (a send-only node negotiated nothing to receive) is ignored
  }

  /** An alert counts only when it opens with the association's keys (RFC 6347 §4.1.2.1). */
  private readAlert(data: Buffer): void {
    const length = data.length >= 13 ? data.readUInt16BE(11) : -1;
    if (length < 0 || 13 + length > data.length) return this.events?.onMalformed("dtls", "truncated");
    const header = { type: data[0], version: data.readUInt16BE(1), epoch: data.readUInt16BE(3), sequenceNumber: data.readUIntBE(5, 6) };
    let alert: Buffer;
    try {
      alert = this.openRecord(data.subarray(13, 13 + length), header);
    } catch {
      return this.events?.onMalformed("dtls", "alert_unauthenticated");
    }
    if (alert.length >= 2) this.events?.onClosed(alert[1] === 0 ? "viewer-close-notify" : "viewer-dtls-alert");
  }

  private readRtcp(data: Buffer): void {
    let packets: RtcpPacket[];
    try {
      packets = RtcpPacketConverter.deSerialize(this.srtcp.decrypt(data));
    } catch {
      this.events?.onMalformed("rtcp", "srtcp_unreadable");
      return;
    }
    for (const packet of packets) this.events?.onRtcp(packet);
  }

  /** Answers the viewer's ICE checks (consent freshness, RFC 7675) as werift's agent did. */
  private answerStun(data: Buffer, addr: Address): void {
    if (data.length < 20 || data.readUInt16BE(0) !== (STUN_BINDING | STUN_REQUEST)) return; // responses to checks we no longer send
    const request = parseMessage(data, this.password);
    if (!request || !request.attributesKeys.includes("MESSAGE-INTEGRITY")) {
      this.events?.onMalformed("stun", "bad_integrity");
      return;
    }
    this.lastHeardMs = Date.now();
    // the controlling agent's latest nomination is where it wants media (RFC 8445 §8.1.1)
    if (request.attributesKeys.includes("USE-CANDIDATE")) this.remote = [addr[0], addr[1]];
    const response = new Message(STUN_BINDING, STUN_SUCCESS, request.transactionId);
    response.setAttribute("XOR-MAPPED-ADDRESS", addr).addMessageIntegrity(this.password).addFingerprint();
    this.out.send(response.bytes, addr);
  }
}

/**
 * A connected viewer without werift. A WHEP viewer of the fan-out only ever receives: once ICE
 * and DTLS are up, all the node still does on its connection is send SRTP, send sender reports,
 * answer the viewer's ICE consent checks, read its RTCP (NACK, PLI/FIR, receiver reports) and
 * say goodbye with a DTLS close_notify. werift's peer connection keeps ~150 KB per viewer for
 * that (transceivers, the ICE agent with its check list and timers, the DTLS socket with its
 * handshake state, ~56 event emitters of ~10 closures each), so the session hands the
 * connection over to this link at connect and closes the peer connection.
 *
 * Everything here is the node's own, built from the plain data the werift boundary copied out
 * (werift/types.ts HandedOverConnection): the shared port's transport of the nominated pair
 * (adopted from werift's agent, ice/udpMux.ts), the remote address, the local ICE password
 * (consent answers carry MESSAGE-INTEGRITY), SRTP and SRTCP protectors keyed from the DTLS-SRTP
 * master keys (fanout/srtp), and the DTLS record state for one alert each way
 * (dtlsRecord.ts). Of werift only exported classes are used: STUN `Message`/`parseMessage`
 * and the RTCP packet classes (through fanout/rtcpCompound.ts).
 */
import { Message, parseMessage, type RtcpPacket } from "werift";
import { parseRtcpCompound } from "../fanout/rtcpCompound.js";
import { createSrtpProtector, type SrtpProtector } from "../fanout/srtp/index.js";
import type { RtpHeaderFields } from "../fanout/srtp/rtpHeaderWriter.js";
import { createSrtcpProtector, type SrtcpProtector } from "../fanout/srtp/srtcp.js";
import type { LinkedConnection } from "../fanout/types.js";
import type { AdoptedTransport, Address } from "../ice/udpMux.js";
import type { DtlsRecordKeys, HandedOverConnection } from "../werift/types.js";
import { closeNotifyRecord, CONTENT_TYPE_ALERT, openRecord } from "./dtlsRecord.js";

const STUN_BINDING = 0x0001;
const STUN_REQUEST = 0x0000;
const STUN_SUCCESS = 0x0100;

/** RTCP for the link's tracks (already parsed and bounded), and where unknown SSRCs are counted. */
export interface LinkEvents {
  onRtcp(packet: RtcpPacket): void;
  /** The viewer ended the connection (DTLS alert) or sent something we could not read. */
  onClosed(reason: string): void;
  onMalformed(kind: "stun" | "rtcp" | "dtls", reason: string): void;
}

export class ViewerLink implements LinkedConnection {
  private closed = false;
  private twccSeq: number;
  /** Where media goes: the pair the viewer nominated last (it may nominate another later). */
  private remote: Address;
  private readonly password: Buffer;
  private readonly rtp: SrtpProtector;
  private readonly rtcp: SrtcpProtector;
  private readonly records: DtlsRecordKeys;
  private readonly out: AdoptedTransport;
  private events: LinkEvents | undefined;
  /** Last time the viewer was heard from (any datagram), for the session's timeout. */
  lastHeardMs = Date.now();

  /** Take the connection over (its socket is adopted from werift's agent at once). */
  constructor(connection: HandedOverConnection) {
    const { srtp } = connection;
    this.remote = [connection.remote[0], connection.remote[1]];
    this.password = Buffer.from(connection.iceLocalPassword, "utf8");
    const local = { profile: srtp.profile, masterKey: srtp.localMasterKey, masterSalt: srtp.localMasterSalt };
    this.rtp = createSrtpProtector(local);
    this.rtcp = createSrtcpProtector(local, { profile: srtp.profile, masterKey: srtp.remoteMasterKey, masterSalt: srtp.remoteMasterSalt });
    this.records = { ...connection.dtls, version: { ...connection.dtls.version } };
    this.twccSeq = connection.transportSequenceNumber;
    this.out = connection.socket.adopt((data, addr) => this.receive(data, addr));
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

  /** Protect one RTP packet (the payload is read, never kept) and send it where media goes. */
  sendRtp(header: RtpHeaderFields, payload: Uint8Array): void {
    if (this.closed) return;
    const packet = this.rtp.protect(header, payload);
    if (packet !== undefined) this.out.send(packet, this.remote);
  }

  sendRtcp(packets: { serialize(): Buffer }[]): void {
    if (this.closed) return;
    const raw = packets.length === 1 ? packets[0]!.serialize() : Buffer.concat(packets.map((p) => p.serialize()));
    this.out.send(this.rtcp.protect(raw), this.remote);
  }

  /** close_notify to the viewer, then free the port's entries. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.out.send(closeNotifyRecord(this.records), this.remote);
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
      if (first === CONTENT_TYPE_ALERT) this.readAlert(data);
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
    let alert: Buffer;
    try {
      alert = openRecord(this.records, data).plaintext;
    } catch {
      return this.events?.onMalformed("dtls", "alert_unauthenticated");
    }
    if (alert.length >= 2) this.events?.onClosed(alert[1] === 0 ? "viewer-close-notify" : "viewer-dtls-alert");
  }

  private readRtcp(data: Buffer): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcpCompound(this.rtcp.unprotect(data), () => this.events?.onMalformed("rtcp", "truncated"));
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

/**
 * What the werift boundary hands over when a viewer's connection is up (type-only): plain data,
 * copied out of werift's objects, so that nothing downstream (session/viewerLink.ts, the
 * fan-out's lean sender) keeps or imports a werift internal. handoff.ts fills it in.
 */
import type { Address, AdoptedTransport } from "../ice/udpMux.js";

/** The DTLS-SRTP master keys of one association; "local" is the direction the node sends with. */
export interface SrtpKeys {
  /** The negotiated protection profile: 0x0001 AES_CM_128_HMAC_SHA1_80 or 0x0007 AEAD_AES_128_GCM. */
  profile: number;
  localMasterKey: Buffer;
  localMasterSalt: Buffer;
  remoteMasterKey: Buffer;
  remoteMasterSalt: Buffer;
}

/**
 * The DTLS 1.2 record layer state after the handshake (RFC 6347 §4.1, AES-GCM per RFC 5288):
 * enough to seal the node's close_notify and to open an alert from the peer.
 */
export interface DtlsRecordKeys {
  version: { major: number; minor: number };
  epoch: number;
  /** Of the last record the node sent; the next one takes sequenceNumber + 1. */
  sequenceNumber: number;
  algorithm: "aes-128-gcm" | "aes-256-gcm";
  writeKey: Buffer;
  /** The 4-byte implicit part of the node's GCM nonce (client_write_IV or server_write_IV). */
  writeIv: Buffer;
  readKey: Buffer;
  readIv: Buffer;
}

/** The shared port's transport of a nominated pair (ice/udpMux.ts), still attached to werift's agent. */
export interface AdoptableSocket {
  /** Take it away from the agent: datagrams go to `onData` from now on. */
  adopt(onData: (data: Buffer, addr: Address) => void): AdoptedTransport;
}

/** One DTLS transport of a connected viewer (BUNDLE: its only one). */
export interface HandedOverConnection {
  /** The nominated pair's remote address: where media goes (until the viewer nominates another). */
  remote: Address;
  /** The node's ICE password: consent checks (RFC 7675) are answered with MESSAGE-INTEGRITY under it. */
  iceLocalPassword: string;
  socket: AdoptableSocket;
  srtp: SrtpKeys;
  dtls: DtlsRecordKeys;
  /** werift's transport-wide sequence counter, continued by whoever sends next. */
  transportSequenceNumber: number;
}

/** What one sender was negotiated with: everything the RTP header and the reports need. */
export interface NegotiatedSender {
  ssrc: number;
  rtxSsrc: number;
  payloadType: number;
  clockRate: number;
  mimeType: string;
  /** Set when RTX was negotiated for this sender's codec (RFC 4588). */
  rtxPayloadType: number | undefined;
  mid: string | undefined;
  cname: string | undefined;
  headerExtensions: { id: number; uri: string }[];
}

export interface ViewerHandoff {
  /** One per DTLS transport that carries one of the senders (BUNDLE: one). */
  connections: HandedOverConnection[];
  /** Per sender asked about, in the same order: its parameters and the index of its connection. */
  senders: { connection: number; sender: NegotiatedSender }[];
}

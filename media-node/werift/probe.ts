/**
 * One real DTLS handshake between werift's own DtlsClient and DtlsServer, in memory (no socket,
 * no timer left behind), for the seam checks that must see what werift DOES rather than which
 * names it has: which curve it negotiates and whether its X25519 went through our swap, where
 * it keeps the record keys and sequence numbers the node hands over for close_notify, and the
 * SRTP keys its transport derives. ~10 ms once warm; made once per check run (seams.ts).
 *
 * The probe runs the node's own configuration: native X25519 installed on the tweetnacl given.
 */
import type { Tweetnacl, Werift } from "./context.js";
import { nativeX25519Calls, useNativeX25519 } from "./x25519.js";

const HANDSHAKE_TIMEOUT_MS = 5000;
const SRTP_PROFILES = [0x0001, 0x0007];

/** A werift DtlsSocket as the probe's callers see it (its fields are read by the extractors). */
export type ProbeSocket = object;

export interface DtlsProbe {
  readonly client: ProbeSocket;
  readonly server: ProbeSocket;
  /** "x25519", "secp256r1" or the number werift stored. */
  readonly namedCurve: string;
  /** OpenSSL X25519 calls made during the handshake (zero when werift did not use the swap). */
  readonly nativeCalls: { keyPair: number; scalarMult: number };
  /** Records the server sent after the handshake (werift's own sealing, e.g. after `sendFromServer`). */
  readonly fromServer: Buffer[];
  /** Hand a datagram to the server socket as if it came off the wire (synchronous). */
  deliverToServer(datagram: Buffer): void;
  /** werift's server sends application data over the association (its own record sealing). */
  sendFromServer(data: Buffer): Promise<void>;
  /** Whether the server socket announced the association closed (an alert it accepted). */
  serverClosed(): boolean;
  close(): void;
}

interface Wire {
  onData?: (data: Buffer) => void;
  send(data: Buffer): Promise<void>;
  close(): void;
}

interface SocketInternals {
  onConnect: { once(fn: () => void): void };
  onClose: { subscribe(fn: () => void): unknown };
  onError: { once(fn: (error: unknown) => void): void };
  connect?(): Promise<void>;
  send(data: Buffer): Promise<void>;
  close(): void;
  cipher?: { namedCurve?: number; localKeyPair?: { curve?: number } };
}

/** Two in-memory wires; a datagram sent on one reaches the other on the next turn of the loop. */
function wirePair(tap: (fromClient: boolean, data: Buffer) => void): [Wire, Wire] {
  const a: Wire = { send: async (data) => void setImmediate(() => (tap(true, data), b.onData?.(data))), close: () => undefined };
  const b: Wire = { send: async (data) => void setImmediate(() => (tap(false, data), a.onData?.(data))), close: () => undefined };
  return [a, b];
}

const CURVES: Record<number, string> = { 29: "x25519", 23: "secp256r1" };

export async function dtlsProbe(werift: Werift, tweetnacl: Tweetnacl): Promise<DtlsProbe> {
  useNativeX25519(tweetnacl);
  const certificate = await werift.RTCDtlsTransport.SetupCertificate();
  const fromServer: Buffer[] = [];
  let handshakeDone = false;
  const [clientWire, serverWire] = wirePair((fromClient, data) => {
    if (!fromClient && handshakeDone) fromServer.push(data);
  });
  const options = { cert: certificate.certPem, key: certificate.privateKey, signatureHash: certificate.signatureHash, srtpProfiles: SRTP_PROFILES, extendedMasterSecret: true };
  const server = new werift.DtlsServer({ ...options, transport: serverWire, certificateRequest: true } as never) as unknown as SocketInternals;
  const client = new werift.DtlsClient({ ...options, transport: clientWire } as never) as unknown as SocketInternals;
  let closed = false;
  server.onClose.subscribe(() => (closed = true));
  const callsBefore = nativeX25519Calls(tweetnacl) ?? { keyPair: 0, scalarMult: 0 };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([new Promise<void>((resolve) => client.onConnect.once(resolve)), new Promise<void>((resolve) => server.onConnect.once(resolve))]),
      new Promise<never>((_, reject) => {
        // not awaited: werift's flight 1 settles only when its retransmission timer does
        client.connect!().catch((error: unknown) => reject(new Error(`werift's DtlsClient.connect failed: ${String(error)}`)));
        client.onError.once((error) => reject(new Error(`werift's DtlsClient failed: ${String(error)}`)));
        server.onError.once((error) => reject(new Error(`werift's DtlsServer failed: ${String(error)}`)));
        timer = setTimeout(() => reject(new Error(`werift's DtlsClient and DtlsServer did not complete a handshake in ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    client.close();
    server.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  handshakeDone = true;
  const callsAfter = nativeX25519Calls(tweetnacl) ?? { keyPair: 0, scalarMult: 0 };
  // the curve of the key pair the client made for the ECDHE the server chose
  const curve = client.cipher?.localKeyPair?.curve ?? client.cipher?.namedCurve;
  return {
    client,
    server,
    namedCurve: CURVES[curve ?? -1] ?? String(curve),
    nativeCalls: { keyPair: callsAfter.keyPair - callsBefore.keyPair, scalarMult: callsAfter.scalarMult - callsBefore.scalarMult },
    fromServer,
    deliverToServer: (datagram) => serverWire.onData?.(datagram),
    sendFromServer: async (data) => {
      await server.send(data);
      await new Promise((resolve) => setImmediate(resolve)); // the wire delivers on the next turn
    },
    serverClosed: () => closed,
    close: () => {
      clientWire.onData = undefined;
      serverWire.onData = undefined;
      client.close();
      server.close();
    },
  };
}

/**
 * werift 0.25.2's `RTCDtlsTransport.start()`, when it is the DTLS client (the node answers
 * `a=setup:active`, werift's default), waits a fixed 100 ms after ICE connects before it sends
 * its ClientHello. On loopback that wait was two thirds of a viewer's connect time
 * (POST -> connected ~150 ms, of which HTTP + ICE + the handshake ~50 ms).
 *
 * Here the node sends it EARLY_CLIENT_HELLO_DELAY_MS after ICE connects instead: once
 * `start()` has built its DtlsClient (synchronously, right after announcing "connecting"), its
 * `connect()` is taken over on that one instance: werift's own call after 100 ms becomes a
 * no-op and ours runs after the shorter delay. Nothing of werift is copied or replaced on a
 * prototype. `dtlsEarlyStartProblems()` (the registry's "dtls-early-start" check) reads the
 * shape this relies on; the node refuses to start when it moved.
 */
import { DtlsClient, type RTCDtlsTransport, type RTCPeerConnection } from "werift";
import type { Werift } from "./context.js";
import { refuseIfProblems } from "./errors.js";

export const DTLS_EARLY_START_SEAM = "dtls-early-start";

interface DtlsTransportInternals {
  state?: string;
  dtls?: unknown;
  onStateChange?: { subscribe(fn: (state: string) => void): { unSubscribe(): void } };
}

interface DtlsClientInternals {
  connect(): Promise<void>;
  onError?: { execute(error: unknown): void };
}

/**
 * How long after the node's ICE connects the ClientHello goes out. The ClientHello must not
 * arrive before the peer's DTLS server listens, or it is lost and werift resends it only
 * after 500 ms. Browsers hold an early ClientHello; a werift peer starts its server when its
 * own ICE agent completes, which is up to one 20 ms check-pacing tick after the node's
 * (measured on loopback: sent at once, an idle werift viewer lost it every time; at 20-30 ms
 * none of 80 did). Resending sooner is no cure: a werift server that gets the same
 * cookieless ClientHello twice restarts its flight 2 and the handshake never finishes.
 */
export const EARLY_CLIENT_HELLO_DELAY_MS = 25;

const armed = new WeakSet<object>();

/** What this module relies on in `werift`, or empty when all is there. */
export function dtlsEarlyStartProblems(werift: Pick<Werift, "RTCDtlsTransport" | "DtlsClient">): string[] {
  const problems: string[] = [];
  // when inside start() the DtlsClient is built and connected cannot be observed without a
  // handshake: the order is read from the method's source
  const start = String((werift.RTCDtlsTransport.prototype as unknown as Record<string, unknown>).start);
  if (!/setState\("connecting"\)/.test(start)) problems.push('RTCDtlsTransport.start no longer announces "connecting" before building its DTLS socket');
  if (!/this\.dtls\s*=\s*new DtlsClient\(/.test(start)) problems.push("RTCDtlsTransport.start no longer builds this.dtls = new DtlsClient(...)");
  if (!/instanceof DtlsClient\)\s*\{\s*await \w+\(100\);\s*this\.dtls\.connect\(\)/.test(start)) {
    problems.push("RTCDtlsTransport.start no longer waits 100 ms before this.dtls.connect() (the early start may be unneeded, or wrong)");
  }
  if (typeof (werift.DtlsClient.prototype as unknown as Record<string, unknown>).connect !== "function") problems.push("DtlsClient.prototype.connect is not a function");
  const transport = new werift.RTCDtlsTransport({} as never, {} as never, undefined, []) as unknown as DtlsTransportInternals;
  if (transport.state !== "new") problems.push(`a new RTCDtlsTransport's state is ${String(transport.state)}, not "new"`);
  if (typeof transport.onStateChange?.subscribe !== "function") problems.push("RTCDtlsTransport.onStateChange.subscribe is not a function");
  return problems;
}

/**
 * Makes this transport send its ClientHello soon after werift starts DTLS as client. Call it
 * before the transport starts (after setRemoteDescription); a server-role transport, and one
 * that already started, are left alone (false).
 */
export function startDtlsClientEarly(transport: RTCDtlsTransport): boolean {
  const t = transport as unknown as DtlsTransportInternals;
  if (armed.has(transport) || t.state !== "new") return false;
  if (typeof t.onStateChange?.subscribe !== "function") refuseIfProblems(DTLS_EARLY_START_SEAM, ["RTCDtlsTransport.onStateChange is gone"], "the connection is refused");
  armed.add(transport);
  const sub = t.onStateChange!.subscribe((state) => {
    if (state !== "connecting") return;
    sub.unSubscribe();
    // start() builds its DtlsClient synchronously right after this event: look once it has
    queueMicrotask(() => {
      const socket = t.dtls;
      if (!(socket instanceof DtlsClient) || t.state !== "connecting") return; // the server role: werift waits for the peer
      sendClientHelloSoon(socket as unknown as DtlsClientInternals, () => t.state === "connecting");
    });
  });
  return true;
}

function sendClientHelloSoon(client: DtlsClientInternals, stillConnecting: () => boolean): void {
  const connect = client.connect.bind(client);
  client.connect = () => Promise.resolve(); // this instance only: werift's own call after 100 ms
  const go = () => {
    if (!stillConnecting()) return;
    // werift handles the failure of its own connect() call; ours reports it the same way
    connect().catch((error: unknown) => client.onError?.execute(error));
  };
  setTimeout(go, EARLY_CLIENT_HELLO_DELAY_MS).unref();
}

/** Arms every DTLS transport the connection has (BUNDLE: usually one). */
export function startDtlsClientsEarly(pc: RTCPeerConnection): number {
  let armedCount = 0;
  for (const transport of pc.dtlsTransports) if (startDtlsClientEarly(transport)) armedCount++;
  return armedCount;
}

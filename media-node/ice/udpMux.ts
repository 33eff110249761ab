/**
 * The one UDP socket of the process for ICE, and the virtual transports that stand in for
 * werift's per-connection sockets.
 *
 * A `MuxedTransport` has the shape werift's `UdpTransport` offers to a `StunProtocol`
 * (`type`, `closed`, `onData`, `send`, `address`, `addressFamily`, `close`), so the ICE agent
 * runs unchanged on top of it. Incoming datagrams are classified (stun.ts) and routed by the
 * DemuxTable; anything no session owns is counted by reason and dropped.
 */
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { DemuxTable, addressKey } from "./demuxTable.js";
import { inspectDatagram } from "./stun.js";
import type { DropReason } from "./types.js";

export type Address = [host: string, port: number];

/** How the mux reads an ICE agent's ufrags (they change on ICE restart). */
export interface MuxSessionIdentity {
  localUfrag(): string;
  remoteUfrag(): string;
}

interface MuxSession {
  /** The ICE agent; a plain token once a transport of it is adopted (the agent may be freed). */
  owner: object;
  identity: MuxSessionIdentity;
  /** One per advertised host address of the agent; the first receives checks and media. */
  readonly transports: MuxedTransport[];
}

/** A transport taken over from its ICE agent (see `MuxedTransport.adopt`). */
export interface AdoptedTransport {
  send(data: Buffer, addr: Address): void;
  /** Frees the transport's demux entries; idempotent. */
  close(): void;
}

export class MuxedTransport {
  readonly type = "udp";
  closed = false;
  private adopted = false;
  /** Set by the ICE agent (werift's StunProtocol assigns its datagram handler here). */
  onData: (data: Buffer, addr: Address) => void = () => {};

  constructor(
    private readonly mux: UdpMux,
    private readonly session: MuxSession,
  ) {}

  send = (data: Buffer, addr?: Address): Promise<void> => {
    if (this.closed || !addr) return Promise.resolve();
    return this.mux.sendFor(this.session, data, addr);
  };

  get address(): { address: string; port: number; family: string } {
    return this.mux.address;
  }
  get addressFamily(): 4 | 6 {
    return this.mux.family;
  }
  get host(): string {
    return this.mux.address.address;
  }
  get port(): number {
    return this.mux.port;
  }

  /**
   * Take the transport away from its ICE agent: from now on datagrams go to `onData`, and the
   * agent's own close() no longer frees the transport (its demux entries, the ufrag and the
   * claimed remote addresses, stay); the returned handle does. Used once a session no longer
   * needs werift for a connection it has set up (session/viewerLink.ts).
   */
  adopt(onData: (data: Buffer, addr: Address) => void): AdoptedTransport {
    if (this.closed) throw new Error("ice: cannot adopt a closed transport");
    this.adopted = true;
    this.onData = onData;
    this.mux.forgetAgent(this.session);
    return {
      send: (data, addr) => {
        if (!this.closed) void this.mux.sendFor(this.session, data, addr);
      },
      close: () => this.release(),
    };
  }

  /** Detach from the mux (unless adopted); the last transport of an agent removes its demux entries. */
  close = async (): Promise<void> => {
    if (!this.adopted) this.release();
  };

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.onData = () => {};
    this.mux.detach(this.session, this);
  }
}

export class UdpMux {
  private readonly table = new DemuxTable<MuxSession>();
  private readonly sessions = new Map<object, MuxSession>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly family: 4 | 6,
    private readonly onDrop: (reason: DropReason) => void,
  ) {
    socket.on("message", (data, rinfo) => this.receive(data, rinfo.address.split("%")[0]!, rinfo.port));
    // an ICMP error surfaced on a UDP socket must not take the process down
    socket.on("error", () => {});
  }

  /** Bind the shared socket. Rejects with a message naming host and port (e.g. port in use). */
  static async open(host: string, port: number, onDrop: (reason: DropReason) => void): Promise<UdpMux> {
    const family = isIP(host);
    if (family === 0) throw new Error(`ice: bind host "${host}" is not an IP address`);
    const socket = createSocket(family === 6 ? { type: "udp6", ipv6Only: true } : { type: "udp4" });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`ice: cannot bind the shared UDP port ${host}:${port}: ${err.message}`, { cause: err }));
      socket.once("error", onError);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    return new UdpMux(socket, family === 6 ? 6 : 4, onDrop);
  }

  get address(): { address: string; port: number; family: string } {
    return this.socket.address();
  }
  get port(): number {
    return this.socket.address().port;
  }

  /** A virtual transport for one host candidate of the agent `owner`, registered under its current ufrag. */
  attach(owner: object, identity: MuxSessionIdentity): MuxedTransport {
    if (this.closed) throw new Error("ice: the shared UDP socket is closed");
    let session = this.sessions.get(owner);
    if (!session) {
      session = { owner, identity, transports: [] };
      this.sessions.set(owner, session);
    }
    this.table.addUfrag(session, identity.localUfrag());
    const transport = new MuxedTransport(this, session);
    session.transports.push(transport);
    return transport;
  }

  /**
   * Keep the session's demux entries but no reference to its ICE agent: the ufrags are frozen
   * as they are now (no ICE restart after adoption) and the owner becomes a plain token.
   */
  forgetAgent(session: MuxSession): void {
    const localUfrag = session.identity.localUfrag();
    const remoteUfrag = session.identity.remoteUfrag();
    session.identity = { localUfrag: () => localUfrag, remoteUfrag: () => remoteUfrag };
    if (this.sessions.get(session.owner) === session) this.sessions.delete(session.owner);
    session.owner = {};
    this.sessions.set(session.owner, session);
  }

  detach(session: MuxSession, transport: MuxedTransport): void {
    const i = session.transports.indexOf(transport);
    if (i >= 0) session.transports.splice(i, 1);
    if (session.transports.length > 0) return;
    this.table.remove(session);
    if (this.sessions.get(session.owner) === session) this.sessions.delete(session.owner);
  }

  sendFor(session: MuxSession, data: Buffer, [host, port]: Address): Promise<void> {
    if (this.closed) return Promise.resolve();
    const literal = isIP(host) !== 0;
    // a check we send makes the address ours: its responses and the media after it come back here
    if (literal && data.length > 0 && data[0]! <= 3) this.table.claimAddress(session, addressKey(host, port));
    if (literal) {
      this.socket.send(data, port, host, () => {});
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.socket.send(data, port, host, (err) => (err ? reject(err) : resolve())));
  }

  stats(): { sessions: number; demuxEntries: number } {
    const size = this.table.size;
    return { sessions: this.sessions.size, demuxEntries: size.ufragKeys + size.addressKeys };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const session of this.sessions.values()) for (const t of [...session.transports]) t.closed = true;
    this.sessions.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private receive(data: Buffer, host: string, port: number): void {
    const kind = inspectDatagram(data);
    if (kind.kind === "invalid") return this.onDrop(kind.reason);
    const fromKey = addressKey(host, port);

    if (kind.kind === "stun" && kind.stunClass === "request") {
      if (kind.localUfrag === undefined) return this.onDrop("stunWithoutUsername");
      const session = this.routeCheck(kind.localUfrag, kind.remoteUfrag, fromKey);
      if (!session) return this.onDrop("unknownUfrag");
      this.table.claimAddress(session, fromKey);
      return deliver(session.transports[0], data, [host, port]);
    }

    const session = this.table.ownerOfAddress(fromKey);
    if (!session) return this.onDrop("unknownAddress");
    if (kind.kind === "stun" && (kind.stunClass === "success" || kind.stunClass === "error")) {
      // a response belongs to whichever of the agent's protocols sent the request; the others ignore its transaction id
      for (const t of [...session.transports]) deliver(t, data, [host, port]);
      return;
    }
    deliver(session.transports[0], data, [host, port]);
  }

  private routeCheck(localUfrag: string, remoteUfrag: string | undefined, fromKey: string): MuxSession | undefined {
    const remoteUfragOf = (s: MuxSession) => s.identity.remoteUfrag();
    const routed = this.table.routeCheck(localUfrag, remoteUfrag, fromKey, remoteUfragOf);
    if (routed) return routed;
    // an ICE restart gives an agent a new ufrag without a new transport: learn it on first use
    for (const session of this.sessions.values()) {
      if (session.identity.localUfrag() === localUfrag) this.table.addUfrag(session, localUfrag);
    }
    return this.table.routeCheck(localUfrag, remoteUfrag, fromKey, remoteUfragOf);
  }
}

function deliver(transport: MuxedTransport | undefined, data: Buffer, addr: Address): void {
  if (!transport || transport.closed) return;
  try {
    transport.onData(data, addr);
  } catch {
    // werift's handler already guards itself; nothing a session throws may stop the socket loop
  }
}

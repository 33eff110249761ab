/**
 * The process-wide mDNS resolver of `mdns.mode: shared`: one multicast socket, opened on
 * the first `.local` lookup, a cache bounded by the answer's TTL, and concurrent lookups of
 * the same name folded into one query. werift's own resolver (`perConnection`) opens a
 * socket per peer connection and re-queries every candidate; the field report measured its
 * read loop at 16–19 % CPU.
 *
 * werift closes a connection's resolver when the connection closes; this one is never
 * handed to werift, so only `close()` (the endpoint's) ends it.
 */
import mdns from "multicast-dns";
import { isIP } from "node:net";

/** Every browser session brings a fresh random name: bound the cache, not just its entries' age. */
const MAX_CACHED_NAMES = 1024;

export interface MdnsSocket {
  query(name: string, type: string): void;
  on(event: "response", listener: (packet: { answers?: MdnsRecord[]; additionals?: MdnsRecord[] }) => void): unknown;
  off(event: "response", listener: (...args: never[]) => void): unknown;
  destroy(cb?: () => void): void;
}
interface MdnsRecord {
  name: string;
  type: string;
  ttl?: number;
  data: unknown;
}

export interface SharedMdnsResolverOptions {
  timeoutMs: number;
  cacheMs: number;
  /** Called for every multicast query sent (the `mdnsQueries` metric). */
  onQuery: () => void;
  /** Tests inject a fake; production opens multicast-dns on 224.0.0.251:5353. */
  openSocket?: () => MdnsSocket;
  now?: () => number;
}

export class SharedMdnsResolver {
  private socket: MdnsSocket | undefined;
  private readonly cache = new Map<string, { address: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly waiters = new Map<string, Set<(address: string) => void>>();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: SharedMdnsResolverOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Sockets held: 0 before the first lookup and after close, else 1. */
  get socketsOpen(): number {
    return this.socket ? 1 : 0;
  }

  /** The IPv4 address of `name` ("<uuid>.local"); rejects on timeout or after close. */
  resolve(name: string): Promise<string> {
    if (this.closed) return Promise.reject(new Error("mdns resolver closed"));
    const key = name.toLowerCase().replace(/\.$/, "");
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached.address);
    if (cached) this.cache.delete(key);
    const running = this.inflight.get(key);
    if (running) return running;
    const lookup = this.lookup(key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, lookup);
    return lookup;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of this.waiters.values()) set.clear();
    this.waiters.clear();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.destroy(() => resolve()));
  }

  private lookup(key: string): Promise<string> {
    const socket = this.ensureSocket();
    return new Promise<string>((resolve, reject) => {
      const waiters = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, waiters);
      const timer = setTimeout(() => {
        waiters.delete(onAnswer);
        if (waiters.size === 0) this.waiters.delete(key);
        reject(new Error(`no mDNS answer for ${key} within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      const onAnswer = (address: string) => {
        clearTimeout(timer);
        resolve(address);
      };
      waiters.add(onAnswer);
      this.options.onQuery();
      socket.query(key, "A");
    });
  }

  private ensureSocket(): MdnsSocket {
    if (!this.socket) {
      const socket = this.options.openSocket ? this.options.openSocket() : (mdns() as unknown as MdnsSocket);
      socket.on("response", (packet) => this.onResponse([...(packet.answers ?? []), ...(packet.additionals ?? [])]));
      this.socket = socket;
    }
    return this.socket;
  }

  private onResponse(records: MdnsRecord[]): void {
    for (const record of records) {
      if (record.type !== "A" || typeof record.data !== "string" || isIP(record.data) !== 4) continue;
      const key = record.name.toLowerCase().replace(/\.$/, "");
      const waiters = this.waiters.get(key);
      if (!waiters) continue; // an answer nobody asked for is not cached: the cache only holds our names
      const ttlMs = typeof record.ttl === "number" && record.ttl > 0 ? record.ttl * 1000 : this.options.cacheMs;
      if (this.cache.size >= MAX_CACHED_NAMES) this.cache.delete(this.cache.keys().next().value!); // oldest first
      this.cache.set(key, { address: record.data, expiresAt: this.now() + Math.min(ttlMs, this.options.cacheMs) });
      this.waiters.delete(key);
      for (const w of waiters) w(record.data);
    }
  }
}

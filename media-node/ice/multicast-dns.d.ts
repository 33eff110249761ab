// The part of multicast-dns@7 (werift's own mDNS dependency) that mdns.ts uses; the package ships no types.
declare module "multicast-dns" {
  import type { EventEmitter } from "node:events";
  interface MdnsAnswer {
    name: string;
    type: string;
    ttl?: number;
    data: unknown;
  }
  interface MdnsPacket {
    type: "query" | "response";
    answers?: MdnsAnswer[];
    additionals?: MdnsAnswer[];
    questions?: { name: string; type: string }[];
  }
  interface MulticastDns extends EventEmitter {
    query(name: string, type: string): void;
    respond(packet: { answers: MdnsAnswer[] }): void;
    destroy(cb?: () => void): void;
  }
  function mdns(options?: { interface?: string; port?: number; ip?: string; ttl?: number; loopback?: boolean; reuseAddr?: boolean }): MulticastDns;
  export = mdns;
}

/**
 * What a seam check is given (type-only): the werift and tweetnacl modules, as parameters so a
 * test can hand a doctored copy, and the shared in-memory DTLS handshake (probe.ts).
 */
import type * as weriftModule from "werift";
import type tweetnaclModule from "tweetnacl";
import type { DtlsProbe } from "./probe.js";

export type Werift = typeof weriftModule;
export type Tweetnacl = typeof tweetnaclModule;

/** The modules a check run looks at. */
export interface WeriftModules {
  readonly werift: Werift;
  readonly tweetnacl: Tweetnacl;
}

/** What a check gets: the modules and the shared handshake probe. */
export interface SeamContext extends WeriftModules {
  /** One DTLS handshake between the given werift's DtlsClient and DtlsServer, made on first use; rejects when it fails. */
  probe(): Promise<DtlsProbe>;
}

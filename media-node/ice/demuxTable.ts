/**
 * Who gets a datagram that arrived on the shared port: pure bookkeeping, no sockets.
 *
 * - An ICE check (STUN request) names its receiver in USERNAME: route by that local ufrag.
 *   Several sessions may share a ufrag (werift copies it to every transport of a
 *   non-bundled peer connection; two random 4-char ufrags may collide): then prefer the
 *   session that already talks to the sender's address, then the one whose remote ufrag
 *   matches the USERNAME's second half.
 * - Everything else (STUN responses, DTLS, SRTP) carries no ufrag: route by remote address.
 *   An address belongs to the first session that claimed it (by sending a check to it or by
 *   receiving a check from it) until that session is removed, so a spoofed check cannot
 *   steal another session's traffic.
 */

export function addressKey(host: string, port: number): string {
  return `${host}#${port}`;
}

interface Keys {
  ufrags: Set<string>;
  addresses: Set<string>;
}

export class DemuxTable<S> {
  private readonly byUfrag = new Map<string, S[]>();
  private readonly byAddress = new Map<string, S>();
  private readonly keysOf = new Map<S, Keys>();

  /** Register a session under a local ufrag (call again with a new ufrag after an ICE restart). */
  addUfrag(session: S, ufrag: string): void {
    const keys = this.keys(session);
    if (keys.ufrags.has(ufrag)) return;
    keys.ufrags.add(ufrag);
    const list = this.byUfrag.get(ufrag);
    if (list) list.push(session);
    else this.byUfrag.set(ufrag, [session]);
  }

  hasSession(session: S): boolean {
    return this.keysOf.has(session);
  }

  /** Sessions registered under a ufrag (empty when none). */
  sessionsForUfrag(ufrag: string): readonly S[] {
    return this.byUfrag.get(ufrag) ?? [];
  }

  /** Give `key` to `session` unless another live session owns it. Returns the owner after the call. */
  claimAddress(session: S, key: string): S {
    const owner = this.byAddress.get(key);
    if (owner !== undefined) return owner;
    this.keys(session).addresses.add(key);
    this.byAddress.set(key, session);
    return session;
  }

  ownerOfAddress(key: string): S | undefined {
    return this.byAddress.get(key);
  }

  /**
   * Pick the receiver of an ICE check among the sessions registered under its local ufrag.
   * `remoteUfragOf` reads a session's current remote ufrag (it can change on ICE restart).
   */
  routeCheck(localUfrag: string, remoteUfrag: string | undefined, fromKey: string, remoteUfragOf: (s: S) => string): S | undefined {
    const candidates = this.byUfrag.get(localUfrag);
    if (!candidates || candidates.length === 0) return undefined;
    if (candidates.length === 1) return candidates[0];
    const owner = this.byAddress.get(fromKey);
    if (owner !== undefined && candidates.includes(owner)) return owner;
    const byRemoteUfrag = candidates.filter((s) => remoteUfragOf(s) === remoteUfrag);
    // among equals, a session that owns no address yet is the one still waiting for its peer
    const pool = byRemoteUfrag.length > 0 ? byRemoteUfrag : candidates;
    return pool.find((s) => (this.keysOf.get(s)?.addresses.size ?? 0) === 0) ?? pool[0];
  }

  /** Forget every key of a session. Idempotent. */
  remove(session: S): void {
    const keys = this.keysOf.get(session);
    if (!keys) return;
    this.keysOf.delete(session);
    for (const ufrag of keys.ufrags) {
      const list = this.byUfrag.get(ufrag)?.filter((s) => s !== session) ?? [];
      if (list.length === 0) this.byUfrag.delete(ufrag);
      else this.byUfrag.set(ufrag, list);
    }
    for (const key of keys.addresses) {
      if (this.byAddress.get(key) === session) this.byAddress.delete(key);
    }
  }

  get size(): { sessions: number; ufragKeys: number; addressKeys: number } {
    return { sessions: this.keysOf.size, ufragKeys: this.byUfrag.size, addressKeys: this.byAddress.size };
  }

  private keys(session: S): Keys {
    let keys = this.keysOf.get(session);
    if (!keys) {
      keys = { ufrags: new Set(), addresses: new Set() };
      this.keysOf.set(session, keys);
    }
    return keys;
  }
}

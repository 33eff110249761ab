/**
 * Import this FIRST in any test or benchmark process that creates werift peer connections
 * outside the media node. werift 0.25.2 falls back to stun.l.google.com:19302 whenever no
 * STUN server is configured, even with `iceServers: []`, so a plain test client would send a
 * DNS query and STUN traffic off the machine. Tests may only reach loopback or namespaces they
 * made; this turns the fallback off for every werift ICE agent in the process. (The media
 * node's own connections get the same treatment from media-node/werift/ice.ts.)
 */
import { Connection } from "werift";

type Agent = { options?: { stunServer?: unknown }; stunServer?: unknown };
const proto = Connection.prototype as unknown as Record<string, unknown> & { applyStunTurnServersFromOptions?: (this: Agent) => void };
const MARK = Symbol.for("mediafleet.test.noPublicStun");

if (typeof proto.applyStunTurnServersFromOptions !== "function") {
  throw new Error("werift changed: Connection.prototype.applyStunTurnServersFromOptions is gone; re-check its STUN fallback before running tests");
}
if (!proto[MARK as unknown as string]) {
  const original = proto.applyStunTurnServersFromOptions;
  proto.applyStunTurnServersFromOptions = function (this: Agent) {
    original.call(this);
    if (!this.options?.stunServer) this.stunServer = undefined;
  };
  proto[MARK as unknown as string] = true;
}

export const PUBLIC_STUN_DISABLED = true;

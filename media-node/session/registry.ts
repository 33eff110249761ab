/**
 * All paths and all live WHIP/WHEP sessions of the node. Enforces `webrtc.maxSessions`
 * (publishers + viewers, counting those still negotiating) and finds a session from the
 * id in its resource URL.
 */
import type { PathConfig } from "../config/types.js";
import { SessionError, shuttingDown } from "./errors.js";
import { MediaPath, type PathDeps, type PathInfo } from "./path.js";
import type { WebrtcSession } from "./types.js";

export class SessionRegistry {
  private readonly paths = new Map<string, MediaPath>();
  private readonly sessions = new Map<string, WebrtcSession>();
  private negotiating = 0;
  private closing = false;

  constructor(paths: PathConfig[], deps: PathDeps, private readonly maxSessions: number) {
    for (const config of paths) this.paths.set(config.name, new MediaPath(config, deps));
  }

  path(name: string): MediaPath | undefined {
    return this.paths.get(name);
  }

  allPaths(): MediaPath[] {
    return [...this.paths.values()];
  }

  /** True once closeAll ran: the node is draining. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Holds a session slot while a session negotiates; call the returned release once it registered or failed. */
  reserveSlot(): () => void {
    if (this.closing) throw shuttingDown();
    if (this.sessions.size + this.negotiating >= this.maxSessions) {
      throw new SessionError("SESSION_LIMIT", `${this.maxSessions} sessions`, 5);
    }
    this.negotiating += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.negotiating -= 1;
    };
  }

  register(session: WebrtcSession): void {
    this.sessions.set(session.id, session);
  }

  forget(session: WebrtcSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  session(id: string): WebrtcSession | undefined {
    return this.sessions.get(id);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  info(): PathInfo[] {
    return this.allPaths().map((path) => path.info());
  }

  historyBytes(): number {
    let total = 0;
    for (const path of this.paths.values()) total += path.historyBytes();
    return total;
  }

  /** Stops new sessions and ends every path (and with it every session). */
  closeAll(reason: string): void {
    this.closing = true;
    for (const session of [...this.sessions.values()]) session.close(reason);
    for (const path of this.paths.values()) path.close(reason);
  }
}

/**
 * Where a path's bearer tokens come from: inline in the config file (a standalone node), or a
 * file such as a mounted Kubernetes Secret. A token file is read at startup (a missing,
 * unreadable or empty one is a config error: the node never starts with a path it cannot
 * guard) and again when it changes, so a rotated Secret takes effect without a restart.
 * The kubelet swaps a Secret volume's files atomically, so a change shows in stat(2).
 */
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../config/load.js";
import type { PathConfig } from "../config/types.js";

export type TokenAction = "publish" | "read";

export interface TokenSource {
  /** The token in force now; undefined: none is required. */
  current(): string | undefined;
}

export class TokenFileError extends ConfigError {
  constructor(readonly field: string, readonly file: string, reason: string) {
    super(`${field}: ${reason}: ${file}`);
    this.name = "TokenFileError";
  }
}

/** A token file is looked at (one stat) at most this often, and only when a request needs it. */
export const TOKEN_RECHECK_MS = 2000;

export interface TokenFileEvents {
  /** A re-read failed and the last good token stays in force; `first`: the first failure since the last good read. */
  readFailed?(error: TokenFileError, first: boolean): void;
  /** A re-read gave a new token (a rotation), or a good one after failures. */
  reloaded?(): void;
}

export interface FileTokenOptions {
  file: string;
  /** Config field path for messages, e.g. `paths.1.readTokenFile`. */
  field: string;
  recheckMs?: number;
  now?: () => number;
  events?: TokenFileEvents;
}

function reasonOf(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  return code ? `cannot read the token file (${code})` : `cannot read the token file (${(cause as Error).message})`;
}

/**
 * File times come from a coarse kernel clock: a same-size write in place within one tick of
 * the last one would leave the stamp unchanged. A stamp this young is therefore not trusted
 * and the next check reads the file anyway (git's "racily clean" rule).
 */
const RACY_MS = 1000;

interface Stamp {
  /** Identity and version: a new inode (the kubelet's atomic swap) or new size/times (a write in place). */
  key: string;
  racy: boolean;
}

function stampOf(file: string, field: string): Stamp {
  try {
    const st = statSync(file, { bigint: true });
    return { key: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, racy: Date.now() - Number(st.mtimeMs) < RACY_MS };
  } catch (cause) {
    throw new TokenFileError(field, file, reasonOf(cause));
  }
}

function readToken(file: string, field: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new TokenFileError(field, file, reasonOf(cause));
  }
  const token = text.trim();
  // An empty token would mean "no token required": a truncated file must never open a path.
  if (token === "") throw new TokenFileError(field, file, "the token file is empty");
  return token;
}

/** Reads the file now (throws TokenFileError) and serves its token, re-reading it when it changed. */
export function fileTokenSource(options: FileTokenOptions): TokenSource {
  const { file, field, events } = options;
  const recheckMs = options.recheckMs ?? TOKEN_RECHECK_MS;
  const now = options.now ?? Date.now;
  // stat before read: a change between the two is then seen at the next check, never missed.
  let stamp = stampOf(file, field);
  let token = readToken(file, field);
  let checkedAt = now();
  let failing = false;
  return {
    current() {
      const t = now();
      if (t - checkedAt < recheckMs) return token;
      checkedAt = t;
      // Synchronous on purpose: one stat of a small (tmpfs) file at most every recheckMs,
      // and a request must not be answered with the token a check is still reading.
      try {
        const next = stampOf(file, field);
        if (next.key === stamp.key && !stamp.racy && !failing) return token;
        const value = readToken(file, field);
        const news = value !== token || failing;
        token = value;
        stamp = next;
        failing = false;
        if (news) events?.reloaded?.();
      } catch (error) {
        const first = !failing;
        failing = true;
        events?.readFailed?.(error as TokenFileError, first);
      }
      return token;
    },
  };
}

const fixed = (token: string | undefined): TokenSource => ({ current: () => (token === "" ? undefined : token) });

export interface PathTokens {
  /** The token a request for `action` on path `name` must carry; undefined: none. */
  expected(name: string, action: TokenAction): string | undefined;
}

export interface PathTokenOptions {
  recheckMs?: number;
  now?: () => number;
  /** Events of each token file, told which path and field it serves. */
  events?: (path: string, field: string) => TokenFileEvents;
}

/** Token sources of every configured path; throws TokenFileError (a ConfigError) for the first bad file. */
export function loadPathTokens(paths: PathConfig[], options: PathTokenOptions = {}): PathTokens {
  const sources = new Map<string, Record<TokenAction, TokenSource>>();
  paths.forEach((path, i) => {
    const source = (inline: string | undefined, file: string | undefined, key: "publishTokenFile" | "readTokenFile"): TokenSource => {
      if (file === undefined) return fixed(inline);
      const field = `paths.${i}.${key}`;
      return fileTokenSource({
        file,
        field,
        ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.events ? { events: options.events(path.name, key) } : {}),
      });
    };
    sources.set(path.name, {
      publish: source(path.publishToken, path.publishTokenFile, "publishTokenFile"),
      read: source(path.readToken, path.readTokenFile, "readTokenFile"),
    });
  });
  return { expected: (name, action) => sources.get(name)?.[action].current() };
}

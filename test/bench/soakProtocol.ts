/**
 * Between soak.ts and its viewers process (soakViewers.ts): the JSON-lines commands and
 * replies, and the harness-side handle that sends one and awaits its reply (bounded).
 */
import { spawnTsx, stopChild } from "../support/child.js";

export interface JoinCommand {
  req: number;
  op: "join";
  id: string;
  /** The path's WHEP URL. */
  url: string;
  /** The node's ICE UDP port (a lossy viewer's answer is pointed from it to its relay). */
  nodePort: number;
  lossy?: { seed: number; dropFraction: number };
  timeoutMs: number;
}

export type SoakViewerCommand =
  | JoinCommand
  | { req: number; op: "leave"; id: string; how: "delete" | "vanish" }
  | { req: number; op: "status" }
  | { req: number; op: "exit" };

export interface JoinReply {
  /** The node answered 201: a session exists on it, whatever happened next. */
  created: boolean;
  connected: boolean;
  connectMs: number;
  error?: string;
}

/** What the viewer received over its life: unique packets, expected from the sequence range, repeats. */
export interface LeaveReply {
  received: number;
  expected: number;
  duplicates: number;
  /** A lossy viewer's relay: RTP packets the node sent it, and how many the relay dropped. */
  relay?: { rtp: number; dropped: number };
}

export interface StatusReply {
  alive: number;
  /** The viewers process's own event-loop p99 since the last status (an overloaded client distorts loss). */
  loopP99Ms: number;
  /** Its CPU (user + system) since the last status, % of one core. */
  cpuPercent: number;
}

type Distribute<T> = T extends { req: number } ? Omit<T, "req"> : never;
type CommandBody = Distribute<SoakViewerCommand>;

export interface SoakViewers {
  join(command: Omit<JoinCommand, "req" | "op">): Promise<JoinReply>;
  leave(id: string, how: "delete" | "vanish"): Promise<LeaveReply>;
  status(): Promise<StatusReply>;
  stop(): Promise<void>;
}

export async function startSoakViewers(timeoutMs = 30_000): Promise<SoakViewers> {
  const child = spawnTsx(["test/bench/soakViewers.ts"], { stdin: true });
  await child.waitForLine((l) => l.startsWith('{"event":"ready"'), timeoutMs, "the soak viewers process to start");
  let nextReq = 1;
  const call = async <T>(body: CommandBody, ms: number): Promise<T> => {
    const req = nextReq++;
    child.process.stdin!.write(JSON.stringify({ req, ...body }) + "\n");
    const line = await child.waitForLine((l) => l.startsWith(`{"reply":${req},`), ms, `reply to ${body.op}`);
    const reply = JSON.parse(line) as { ok: boolean; error?: string } & T;
    if (!reply.ok) throw new Error(`${body.op} failed in the viewers process: ${reply.error}`);
    return reply;
  };
  return {
    join: (command) => call({ op: "join", ...command }, command.timeoutMs + 15_000),
    leave: (id, how) => call({ op: "leave", id, how }, 20_000),
    status: () => call({ op: "status" }, 10_000),
    async stop() {
      if (child.process.exitCode === null && child.process.signalCode === null) await call({ op: "exit" }, 20_000).catch(() => undefined);
      await stopChild(child, 5000);
    },
  };
}

/**
 * Test-side handle on a werift client process (webrtcClient.ts): publishers and viewers
 * that talk WHIP/WHEP to a media node from ANOTHER process.
 *
 *   const clients = await startClientProcess();        t.after(() => clients.stop());
 *   const pub = await clients.publish({ id: "p", url: `${node.httpUrl}/cam1/whip` });
 *   await clients.waitConnected("p");
 *   const viewer = await clients.view({ id: "v1", url: `${node.httpUrl}/cam1/whep` });
 *   const { packets } = await clients.report("v1");     // [seq, pt, ssrc, counter, keyframe]
 *
 * One process can hold many clients; start several processes to spread CPU.
 */
import { spawnTsx, stopChild, type Child } from "./child.js";

export interface CreateResult {
  status: number;
  headers: Record<string, string>;
  location?: string;
  etag?: string;
  body: string;
}

export interface PublishOptions {
  id: string;
  url: string;
  token?: string;
  fps?: number;
  packetsPerFrame?: number;
  payloadBytes?: number;
  keyframeEvery?: number;
  audio?: boolean;
}

export interface ViewOptions {
  id: string;
  url: string;
  token?: string;
  audio?: boolean;
  /** POST, then close the peer without ICE */
  abandon?: boolean;
  /** video codecs to offer, default ["VP8", "H264"] */
  videoCodecs?: Array<"VP8" | "H264">;
}

/** [sequenceNumber, payloadType, ssrc, pattern counter, 1 if a VP8 keyframe start] */
export type ReceivedPacket = [number, number, number, number, number];

export interface ClientProcess {
  readonly pid: number;
  readonly child: Child;
  publish(options: PublishOptions): Promise<CreateResult>;
  view(options: ViewOptions): Promise<CreateResult>;
  report(id: string): Promise<{ sent: number; packets: ReceivedPacket[]; state: string }>;
  stopSending(id: string): Promise<{ sent: number }>;
  request(method: string, url: string, headers?: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  delete(id: string): Promise<{ status: number }>;
  close(id: string): Promise<void>;
  /** Resolves with the event line once client `id` reports `event` (e.g. "connected"), or rejects after timeoutMs. */
  waitEvent(id: string, event: string, timeoutMs?: number, match?: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  waitConnected(id: string, timeoutMs?: number): Promise<number>;
  /** Closes every client and the process (SIGKILL if it does not exit). */
  stop(): Promise<void>;
}

export async function startClientProcess(timeoutMs = 20_000): Promise<ClientProcess> {
  const child = spawnTsx(["test/support/webrtcClient.ts"], { stdin: true });
  await child.waitForLine((l) => l.includes('"event":"ready"'), timeoutMs, "the client process to start");
  let nextReq = 1;

  const call = async <T>(op: string, args: Record<string, unknown>, ms = timeoutMs): Promise<T> => {
    const req = nextReq++;
    child.process.stdin!.write(JSON.stringify({ req, op, ...args }) + "\n");
    const line = await child.waitForLine((l) => l.startsWith(`{"reply":${req},`), ms, `reply to ${op}`);
    const reply = JSON.parse(line) as { ok: boolean; error?: string } & T;
    if (!reply.ok) throw new Error(`${op} failed in the client process: ${reply.error}`);
    return reply;
  };

  const waitEvent: ClientProcess["waitEvent"] = async (id, event, ms = timeoutMs, match = () => true) => {
    const line = await child.waitForLine(
      (l) => {
        if (!l.startsWith('{"event"')) return false;
        const e = JSON.parse(l) as Record<string, unknown>;
        return e.id === id && e.event === event && match(e);
      },
      ms,
      `${id} ${event}`,
    );
    return JSON.parse(line) as Record<string, unknown>;
  };

  return {
    pid: child.process.pid!,
    child,
    publish: (options) => call("publish", { ...options }),
    view: (options) => call("view", { ...options }),
    report: (id) => call("report", { id }),
    stopSending: (id) => call("stopSending", { id }),
    request: (method, url, headers, body) => call("request", { method, url, headers, body }),
    delete: (id) => call("delete", { id }),
    close: async (id) => void (await call("close", { id })),
    waitEvent,
    waitConnected: async (id, ms = timeoutMs) => (await waitEvent(id, "connected", ms)).ms as number,
    async stop() {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        await call("exit", {}, 3000).catch(() => undefined);
      }
      await stopChild(child, 3000);
    },
  };
}

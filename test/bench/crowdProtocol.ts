/** The stdin/stdout JSON-lines protocol between the benchmark harness and viewerCrowd.ts. */
export type CrowdCommand =
  | { req: number; op: "connect"; url: string; count: number; concurrency?: number; timeoutMs?: number }
  /** Opens a new measurement window: counters, CPU and event-loop delay restart. */
  | { req: number; op: "window" }
  | { req: number; op: "report" }
  | { req: number; op: "closeAll"; delete?: boolean }
  | { req: number; op: "exit" };

export type CrowdOp = CrowdCommand["op"];

export interface ConnectResult {
  id: string;
  ok: boolean;
  /** From creating the peer connection to connectionState "connected" (gathering + HTTP + ICE + DTLS). */
  connectMs: number;
  /** createOffer + local ICE gathering. */
  offerMs?: number;
  /** The WHEP POST round trip (the server's answer time). */
  httpMs?: number;
  /** Answer applied -> ICE connected. */
  iceMs?: number;
  /** ICE connected -> DTLS connected (connectionState "connected"). */
  dtlsMs?: number;
  error?: string;
}

export interface ViewerReport {
  id: string;
  state: string;
  /** Packets received since the viewer connected. */
  total: number;
  /** In the current window: unique packets received, expected from the sequence range, repeats. */
  received: number;
  expected: number;
  duplicates: number;
}

export interface CrowdReport {
  viewers: ViewerReport[];
  /** CPU the crowd process used in the window (user + system). */
  cpuMs: number;
  windowMs: number;
  loopP99Ms: number;
}

export type CrowdEvent = { event: "ready"; light: boolean; pid: number } | ({ event: "connected" } & ConnectResult);

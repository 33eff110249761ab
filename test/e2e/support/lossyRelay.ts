/**
 * A UDP relay between Chromium and the media node that drops a seeded fraction of the RTP
 * packets the node sends (never STUN, DTLS or RTCP), so NACK recovery can be measured.
 * Used because this machine's kernel has no `netem` qdisc (`tc qdisc add ... netem` fails
 * with "Specified qdisc kind is unknown").
 *
 * Chromium is pointed at the relay by rewriting the node's host candidate in the WHEP answer
 * (see `routeWhepThroughRelay`); the offer's own candidates are removed so the node can only
 * learn Chromium as the peer-reflexive address of the relay's upstream socket, and the
 * session cannot bypass the relay.
 */
import { createSocket, type Socket, type RemoteInfo } from "node:dgram";
import type { Page } from "playwright-core";

/** Deterministic PRNG (mulberry32): the same seed drops the same packets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RFC 7983 demultiplexing plus RFC 5761 RTP/RTCP split. */
export function isRtp(datagram: Buffer): boolean {
  if (datagram.length < 12) return false;
  const first = datagram[0]!;
  if (first < 128 || first > 191) return false;
  const second = datagram[1]!;
  return second < 192 || second > 223;
}

export interface RelayCounters { toNode: number; toClient: number; rtpToClient: number; droppedRtp: number }

export interface LossyRelay {
  port: number;
  counters: RelayCounters;
  /** Starts or changes dropping; 0 forwards everything. */
  setDropFraction(fraction: number): void;
  close(): Promise<void>;
}

export async function startLossyRelay(options: { nodePort: number; nodeHost?: string; seed: number; dropFraction?: number }): Promise<LossyRelay> {
  const nodeHost = options.nodeHost ?? "127.0.0.1";
  const random = seededRandom(options.seed);
  let dropFraction = options.dropFraction ?? 0;
  const counters: RelayCounters = { toNode: 0, toClient: 0, rtpToClient: 0, droppedRtp: 0 };
  const front = createSocket("udp4");
  // One upstream socket per client address, so the node sees each client as a distinct peer.
  const upstreams = new Map<string, Socket>();

  const upstreamFor = (client: RemoteInfo): Socket => {
    const key = `${client.address}:${client.port}`;
    let socket = upstreams.get(key);
    if (!socket) {
      socket = createSocket("udp4");
      socket.on("message", (datagram) => {
        if (isRtp(datagram)) {
          counters.rtpToClient++;
          if (dropFraction > 0 && random() < dropFraction) {
            counters.droppedRtp++;
            return;
          }
        }
        counters.toClient++;
        front.send(datagram, client.port, client.address);
      });
      socket.on("error", () => undefined);
      socket.bind(0, "127.0.0.1");
      upstreams.set(key, socket);
    }
    return socket;
  };

  front.on("message", (datagram, client) => {
    counters.toNode++;
    upstreamFor(client).send(datagram, options.nodePort, nodeHost);
  });
  front.on("error", () => undefined);
  await new Promise<void>((resolve) => front.bind(0, "127.0.0.1", () => resolve()));

  return {
    port: front.address().port,
    counters,
    setDropFraction(fraction) {
      dropFraction = fraction;
    },
    async close() {
      for (const socket of upstreams.values()) socket.close();
      upstreams.clear();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

/** SDP without any candidate lines (end-of-candidates included). */
export function withoutCandidates(sdp: string): string {
  return sdp.split(/\r?\n/).filter((line) => !/^a=(candidate|end-of-candidates)/.test(line)).join("\r\n");
}

/** Points every UDP host candidate for `fromPort` at `toPort` (same address). */
export function candidatesToPort(sdp: string, fromPort: number, toPort: number): string {
  return sdp.replace(/^(a=candidate:\S+ \d+ udp \d+ \S+ )(\d+)( typ )/gim, (whole, head: string, port: string, tail: string) =>
    Number(port) === fromPort ? `${head}${toPort}${tail}` : whole);
}

/**
 * Sends this page's WHEP exchange through the relay: the offer leaves without candidates,
 * the answer comes back naming the relay's port. Returns how many answers were rewritten
 * and the last one (to check what the node negotiated).
 */
export async function routeWhepThroughRelay(page: Page, relay: LossyRelay, nodePort: number): Promise<{ answers: number; lastAnswer: string }> {
  const seen = { answers: 0, lastAnswer: "" };
  await page.route(/\/whep$/, async (route) => {
    const request = route.request();
    if (request.method() !== "POST") return route.continue();
    const response = await route.fetch({ postData: withoutCandidates(request.postData() ?? "") });
    const body = await response.text();
    if (response.status() !== 201) return route.fulfill({ response, body });
    const rewritten = candidatesToPort(body, nodePort, relay.port);
    if (rewritten !== body) seen.answers++;
    seen.lastAnswer = rewritten;
    return route.fulfill({ response, body: rewritten });
  });
  return seen;
}

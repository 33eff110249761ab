/**
 * The soak's viewers: werift WHEP clients in their own process (so the node under test never
 * shares an event loop with its load), each joining and leaving on its own command.
 *
 *   spawned by soak.ts; stdin/stdout JSON lines (types in soakProtocol.ts)
 *
 * Unlike the fan-out bench's crowd (viewerCrowd.ts: batches, closed all at once, light
 * receive), every viewer here receives in full: werift decrypts, reorders and answers with
 * RTCP receiver reports and NACKs, which is what feeds the node's loss gauge and its NACK
 * path. A lossy viewer talks to the node through its own dropping relay
 * (test/e2e/support/lossyRelay.ts): its offer leaves without candidates and the answer's
 * candidate is pointed at the relay, so the node only ever sees it through the relay.
 * Everything a viewer holds (connection, relay sockets, counters) goes when it leaves.
 */
import "../support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { RTCPeerConnection } from "werift";
import { candidatesToPort, startLossyRelay, withoutCandidates, type LossyRelay } from "../e2e/support/lossyRelay.js";
import { SeqCounter } from "./seqCounter.js";
import type { JoinCommand, JoinReply, LeaveReply, SoakViewerCommand, StatusReply } from "./soakProtocol.js";

interface Viewer {
  pc: RTCPeerConnection;
  counter: SeqCounter;
  relay?: LossyRelay;
  location?: string;
}

const viewers = new Map<string, Viewer>();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const emit = (line: object) => process.stdout.write(JSON.stringify(line) + "\n");

/** Resolves when `ready()` holds, checked now and on every `event` emission, or rejects after `ms`. */
async function until(ready: () => boolean, event: { watch(cb: () => boolean, ms?: number): Promise<unknown> }, ms: number, what: string): Promise<void> {
  if (ready()) return;
  await event.watch(ready, ms).catch(() => {
    throw new Error(`timed out after ${Math.round(ms)} ms waiting for ${what}`);
  });
}

async function join(c: JoinCommand): Promise<JoinReply> {
  const started = performance.now();
  // Whole milliseconds, at least 1: AbortSignal.timeout takes nothing else.
  const left = () => Math.max(1, Math.round(c.timeoutMs - (performance.now() - started)));
  const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  const viewer: Viewer = { pc, counter: new SeqCounter() };
  viewers.set(c.id, viewer);
  let created = false;
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => viewer.counter.push(rtp.header.sequenceNumber)));
    await pc.setLocalDescription(await pc.createOffer());
    await until(() => pc.iceGatheringState === "complete", pc.iceGatheringStateChange, left(), "ICE gathering");
    let offer = pc.localDescription!.sdp;
    if (c.lossy) {
      viewer.relay = await startLossyRelay({ nodePort: c.nodePort, seed: c.lossy.seed, dropFraction: c.lossy.dropFraction });
      offer = withoutCandidates(offer);
    }
    const res = await fetch(c.url, { method: "POST", headers: { "content-type": "application/sdp" }, body: offer, signal: AbortSignal.timeout(left()) });
    const body = await res.text();
    if (res.status !== 201) throw new Error(`POST ${c.url} -> ${res.status} ${body.slice(0, 120)}`);
    created = true;
    viewer.location = new URL(res.headers.get("location") ?? "", c.url).toString();
    const answer = viewer.relay ? candidatesToPort(body, c.nodePort, viewer.relay.port) : body;
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    const settled = () => ["connected", "failed", "closed"].includes(pc.connectionState);
    await until(settled, pc.connectionStateChange, left(), "ICE + DTLS");
    if (pc.connectionState !== "connected") throw new Error(`connection ${pc.connectionState}`);
    return { created, connected: true, connectMs: performance.now() - started };
  } catch (error) {
    // Given up like a WHEP client does: DELETE what was created, close the rest.
    await leave(c.id, "delete");
    return { created, connected: false, connectMs: performance.now() - started, error: (error as Error).message };
  }
}

/** "vanish" closes the connection without telling the node: it must notice by itself. */
async function leave(id: string, how: "delete" | "vanish"): Promise<LeaveReply> {
  const viewer = viewers.get(id);
  if (!viewer) return { received: 0, expected: 0, duplicates: 0 };
  viewers.delete(id);
  if (how === "delete" && viewer.location) {
    await fetch(viewer.location, { method: "DELETE", signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  }
  await viewer.pc.close().catch(() => undefined);
  await viewer.relay?.close();
  const counts = viewer.counter.counts();
  return { ...counts, ...(viewer.relay ? { relay: { rtp: viewer.relay.counters.rtpToClient, dropped: viewer.relay.counters.droppedRtp } } : {}) };
}

let cpuSince = process.cpuUsage();
let statusAt = performance.now();

function status(): StatusReply {
  const cpu = process.cpuUsage(cpuSince);
  const now = performance.now();
  const reply = { alive: viewers.size, loopP99Ms: loopDelay.percentile(99) / 1e6, cpuPercent: ((cpu.user + cpu.system) / 1000 / (now - statusAt)) * 100 };
  loopDelay.reset();
  cpuSince = process.cpuUsage();
  statusAt = now;
  return reply;
}

async function handle(command: SoakViewerCommand): Promise<object> {
  switch (command.op) {
    case "join":
      return join(command);
    case "leave":
      return leave(command.id, command.how);
    case "status":
      return status();
    case "exit":
      await Promise.all([...viewers.keys()].map((id) => leave(id, "delete")));
      setImmediate(() => process.exit(0));
      return {};
  }
}

/** One command per stdin line, one reply line per command (an error is a reply too); replies in the order they finish. */
async function answer(line: string): Promise<void> {
  let command: SoakViewerCommand;
  try {
    command = JSON.parse(line) as SoakViewerCommand;
  } catch {
    return; // not a command: nothing to answer
  }
  try {
    emit({ reply: command.req, ok: true, ...(await handle(command)) });
  } catch (error) {
    emit({ reply: command.req, ok: false, error: (error as Error).message });
  }
}

createInterface({ input: process.stdin }).on("line", (line) => void answer(line));
process.stdin.on("end", () => process.exit(0));
// werift rejects stray promises on closed transports; the viewers must not die of them.
process.on("unhandledRejection", () => undefined);
emit({ event: "ready", pid: process.pid });

/**
 * A crowd of WHEP viewers (werift clients) in its own process, driven over stdin/stdout
 * JSON lines (protocol in crowdProtocol.ts), so the media node under test never shares an
 * event loop or sockets with its load.
 *
 *   npx tsx test/bench/viewerCrowd.ts [--light]
 *
 * --light counts SRTP packets from their clear-text RTP header without decrypting them
 * (lightReceive.ts): the crowd then costs a fraction of the server's work per packet, so
 * two cores can push the server further. Without it every packet is decrypted and goes
 * through werift's receiver (NACKs, receiver reports), like a real client.
 * Like a browser, the crowd's DTLS does X25519 natively (useNativeX25519).
 * Loopback only: `iceServers: []`, no interface discovery, 127.0.0.1 as the host candidate.
 */
import "../support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { RTCPeerConnection } from "werift";
import type { CrowdCommand, CrowdEvent, ConnectResult, ViewerReport } from "./crowdProtocol.js";
import { installLightReceive, setLightSink } from "./lightReceiver.js";
import { SeqCounter } from "./seqCounter.js";
import { useNativeX25519 } from "../../media-node/werift/x25519.js";

// Browsers do their DTLS X25519 natively; werift does it in JavaScript (tweetnacl, ~1.8 ms
// per handshake), which in a crowd of 50 joining at once is ~90 ms of the crowd's single
// event loop that a real audience never spends. Same results, OpenSSL's speed.
useNativeX25519();

const light = process.argv.includes("--light");
if (light) installLightReceive();

interface Viewer {
  id: string;
  pc: RTCPeerConnection;
  counter: SeqCounter;
  location?: string;
  rtxPayloadTypes: Set<number>;
}

const viewers = new Map<string, Viewer>();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let nextViewer = 1;
let windowCpu = process.cpuUsage();
let windowStarted = Date.now();

const emit = (line: CrowdEvent | Record<string, unknown>) => process.stdout.write(JSON.stringify(line) + "\n");

/** Waits until `check` returns true (or rejects when it returns an Error, or on timeout). */
function waitFor(check: () => boolean | Error, subscribe: (wake: () => void) => () => void, timeoutMs: number, what: string): Promise<void> {
  const first = check();
  if (first instanceof Error) return Promise.reject(first);
  if (first) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe(() => {
      const state = check();
      if (state === false) return;
      clearTimeout(timer);
      unsubscribe();
      if (state instanceof Error) reject(state);
      else resolve();
    });
  });
}

function rtxPayloadTypes(sdp: string): Set<number> {
  return new Set([...sdp.matchAll(/^a=rtpmap:(\d+) rtx\//gm)].map((m) => Number(m[1])));
}

async function connectOne(url: string, timeoutMs: number): Promise<ConnectResult> {
  const id = `v${nextViewer++}`;
  const started = performance.now();
  // One deadline for the whole connect (gathering, POST, ICE, DTLS).
  const left = () => Math.max(1, Math.ceil(timeoutMs - (performance.now() - started)));
  const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  const viewer: Viewer = { id, pc, counter: new SeqCounter(), rtxPayloadTypes: new Set() };
  viewers.set(id, viewer);
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await waitFor(
      () => pc.iceGatheringState === "complete",
      (wake) => pc.iceGatheringStateChange.subscribe(wake).unSubscribe,
      left(),
      "ICE gathering",
    );
    if (light) {
      for (const transport of pc.dtlsTransports) {
        setLightSink(transport, (seq, _ssrc, pt) => {
          if (!viewer.rtxPayloadTypes.has(pt)) viewer.counter.push(seq);
        });
      }
    } else {
      pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => viewer.counter.push(rtp.header.sequenceNumber)));
    }
    const offeredAt = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/sdp" },
      body: pc.localDescription!.sdp,
      signal: AbortSignal.timeout(left()),
    });
    const answer = await res.text();
    const answeredAt = performance.now();
    if (res.status !== 201) throw new Error(`POST ${url} -> ${res.status} ${answer.slice(0, 200)}`);
    viewer.location = new URL(res.headers.get("location") ?? "", url).toString();
    viewer.rtxPayloadTypes = rtxPayloadTypes(answer);
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    let iceAt = 0;
    await waitFor(
      () => {
        if (!iceAt && (pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed")) iceAt = performance.now();
        if (pc.connectionState === "failed" || pc.connectionState === "closed") return new Error(`connection ${pc.connectionState}`);
        return pc.connectionState === "connected";
      },
      (wake) => {
        const a = pc.iceConnectionStateChange.subscribe(wake);
        const b = pc.connectionStateChange.subscribe(wake);
        return () => {
          a.unSubscribe();
          b.unSubscribe();
        };
      },
      left(),
      "ICE + DTLS",
    );
    const connectedAt = performance.now();
    iceAt ||= connectedAt;
    return {
      id,
      ok: true,
      connectMs: connectedAt - started,
      offerMs: offeredAt - started,
      httpMs: answeredAt - offeredAt,
      iceMs: iceAt - answeredAt,
      dtlsMs: connectedAt - iceAt,
    };
  } catch (error) {
    viewers.delete(id);
    const states = `ice ${pc.iceConnectionState}, dtls ${pc.dtlsTransports.map((t) => t.state).join("/") || "none"}`;
    await pc.close().catch(() => undefined);
    return { id, ok: false, connectMs: performance.now() - started, error: `${(error as Error).message} (${states})` };
  }
}

async function connectMany(url: string, count: number, concurrency: number, timeoutMs: number): Promise<ConnectResult[]> {
  const results: ConnectResult[] = [];
  let launched = 0;
  const worker = async () => {
    while (launched < count) {
      launched += 1;
      const result = await connectOne(url, timeoutMs);
      results.push(result);
      emit({ event: "connected", ...result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return results;
}

function report(): { viewers: ViewerReport[]; cpuMs: number; windowMs: number; loopP99Ms: number } {
  const cpu = process.cpuUsage(windowCpu);
  return {
    viewers: [...viewers.values()].map((v) => ({ id: v.id, state: v.pc.connectionState, total: v.counter.total, ...v.counter.counts() })),
    cpuMs: (cpu.user + cpu.system) / 1000,
    windowMs: Date.now() - windowStarted,
    loopP99Ms: loopDelay.percentile(99) / 1e6,
  };
}

async function closeAll(sendDelete: boolean): Promise<number> {
  const all = [...viewers.values()];
  viewers.clear();
  await Promise.all(
    all.map(async (v) => {
      if (sendDelete && v.location) await fetch(v.location, { method: "DELETE", signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      await v.pc.close().catch(() => undefined);
    }),
  );
  return all.length;
}

async function handle(command: CrowdCommand): Promise<Record<string, unknown>> {
  switch (command.op) {
    case "connect": {
      const results = await connectMany(command.url, command.count, command.concurrency ?? command.count, command.timeoutMs ?? 60_000);
      return { results };
    }
    case "window":
      for (const v of viewers.values()) v.counter.reset();
      windowCpu = process.cpuUsage();
      windowStarted = Date.now();
      loopDelay.reset();
      return {};
    case "report":
      return report();
    case "closeAll":
      return { closed: await closeAll(command.delete ?? true) };
    case "exit":
      await closeAll(true);
      setImmediate(() => process.exit(0));
      return {};
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  let command: CrowdCommand;
  try {
    command = JSON.parse(line) as CrowdCommand;
  } catch {
    return;
  }
  handle(command).then(
    (result) => emit({ reply: command.req, ok: true, ...result }),
    (error: Error) => emit({ reply: command.req, ok: false, error: error.message }),
  );
});
process.stdin.on("end", () => void closeAll(false).finally(() => process.exit(0)));
// werift rejects stray promises on closed transports; a crowd must not die of them.
process.on("unhandledRejection", () => undefined);
emit({ event: "ready", light, pid: process.pid });

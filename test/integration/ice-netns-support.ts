/**
 * What the ICE test files (ice-shared-port.test.ts, ice-mdns.test.ts) share: running a file
 * inside a private network namespace, the werift client process (ice-client.ts) driven over
 * IPC, and the server half of a session through the IceEndpoint under test.
 *
 * Each test file runs in two roles:
 * - outer (as the test runner starts it): `rerunInNetns` re-runs the file inside a network
 *   namespace of its own (unshare -n, lo up, multicast on lo), so werift's DNS lookups of its
 *   default STUN host and every mDNS packet stay inside it, and reports the inner result as one
 *   test. Without namespaces it skips, saying why, except under CI, where it fails.
 * - server (`insideIceNetns()`): the tests; this process holds the IceEndpoint, the werift
 *   clients live in a forked ice-client.ts.
 */
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, test, type TestContext } from "node:test";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from "werift";
import { startIceEndpoint, type IceEndpoint, type IceEndpointOptions } from "../../media-node/ice/endpoint.js";
import { poll } from "../support/poll.js";

const INSIDE_ENV = "ICE_TEST_IN_NETNS";
const CLIENT_FILE = fileURLToPath(new URL("./ice-client.ts", import.meta.url));

export const CLIENT_CONFIG = { iceServers: [], iceAdditionalHostAddresses: ["127.0.0.1"], iceUseIpv6: false };

export type Kind = "datachannel" | "sendonly" | "recvonly";
export type ClientRequest =
  | { cmd: "offer"; id: string; kind: Kind; mdnsNames: boolean; answerMdns: boolean }
  | { cmd: "answer"; id: string; sdp: string }
  | { cmd: "close"; id: string }
  | { cmd: "junk"; port: number }
  | { cmd: "exit" };

// ---------------------------------------------------------------- the outer role

/** True in the run `rerunInNetns` started: declare the tests. */
export function insideIceNetns(): boolean {
  return process.env[INSIDE_ENV] === "1";
}

/** True under CI: CI services set CI=true (`.ci/run` does not set it itself). */
function underCi(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI ?? "");
}

/**
 * Declares the one outer test of `fileUrl`: re-runs the file inside a private network namespace
 * and passes when every test in there passed. When namespaces cannot be made here it skips
 * saying why, but under CI (CI=true) a missing prerequisite is a failure: a suite that did not
 * run must not look like one that passed.
 */
export function rerunInNetns(fileUrl: string, suite: string): void {
  const file = fileURLToPath(fileUrl);
  test(`${suite} -> run inside a private network namespace`, (t) => {
    const asRoot = process.getuid?.() === 0;
    const unshareArgs = asRoot ? ["-n"] : ["-rn"];
    const probe = spawnSync("unshare", [...unshareArgs, "sh", "-c", "ip link set lo up && ip link set lo multicast on"], { encoding: "utf8" });
    if (probe.status !== 0) {
      const why = `network namespaces unavailable here (unshare ${unshareArgs.join(" ")}: ${probe.stderr?.trim() || probe.error?.message}); the ${suite} did not run`;
      if (underCi()) throw new Error(`${why}. Under CI=true that is a failure: give the job unshare and iproute2 (root or user namespaces).`);
      t.skip(why);
      return;
    }
    return new Promise<void>((resolve, reject) => {
      const child = spawn(
        "unshare",
        [...unshareArgs, "sh", "-c", 'ip link set lo up && ip link set lo multicast on && exec "$0" "$@"', process.execPath, "--import", "tsx", "--test-reporter=tap", file],
        // without NODE_TEST_CONTEXT the inner run reports plain TAP instead of the runner's private channel
        { env: { ...process.env, NODE_TEST_CONTEXT: undefined, [INSIDE_ENV]: "1" }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        for (const line of output.split("\n").filter((l) => /^# (measured|tests|pass|fail|skipped)/.test(l.trim()))) t.diagnostic(line.trim());
        if (code === 0) resolve();
        else reject(new Error(`${suite} in the namespace failed (exit ${code ?? signal}):\n${output.slice(-12_000)}`));
      });
    });
  });
}

// ---------------------------------------------------------------- the server role

/** The werift client process, one request at a time over IPC. */
export class IceClient {
  private seq = 0;
  private readonly pending = new Map<number, (msg: { ok: boolean; error?: string } & Record<string, unknown>) => void>();
  constructor(readonly child: ChildProcess) {
    child.on("message", (msg: { seq: number; ok: boolean }) => {
      this.pending.get(msg.seq)?.(msg);
      this.pending.delete(msg.seq);
    });
  }
  static start(t: TestContext): IceClient {
    const child = fork(CLIENT_FILE, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    t.after(() => {
      if (child.connected) child.send({ cmd: "exit" });
      setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 2000).unref();
    });
    return new IceClient(child);
  }
  call<T = Record<string, unknown>>(req: ClientRequest, timeoutMs = 20_000): Promise<T> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client did not answer ${req.cmd} within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(seq, (msg) => {
        clearTimeout(timer);
        if (msg.ok) resolve(msg as T);
        else reject(new Error(`client ${req.cmd} failed: ${msg.error}`));
      });
      this.child.send({ ...req, seq });
    });
  }
}

/** UDP sockets held by this process: /proc/self/fd socket inodes matched against /proc/net/udp{,6}. */
export function udpSocketsOfThisProcess(): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed while listing
    }
  }
  const sockets: { address: string; port: number }[] = [];
  for (const table of ["/proc/self/net/udp", "/proc/self/net/udp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const [hexAddr, hexPort] = f[1]!.split(":");
      const address = hexAddr!.length === 8 ? hexAddr!.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join(".") : hexAddr!;
      sockets.push({ address, port: parseInt(hexPort!, 16) });
    }
  }
  return sockets;
}

export async function endpoint(t: TestContext, overrides: Partial<IceEndpointOptions> = {}): Promise<IceEndpoint> {
  const ice = await startIceEndpoint({ host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off", ...overrides });
  t.after(() => ice.close());
  return ice;
}

interface ServerSession {
  pc: RTCPeerConnection;
  rtpReceived: () => number;
  prepared: ReturnType<IceEndpoint["prepareRemoteSdp"]>;
}

/** Server-side peers still open; a test that fails before closing its own leaves them to `after`. */
const serverPeers = new Set<RTCPeerConnection>();

/** For a test file's server role: close the server peers its failed tests left open. */
export function closeServerPeersAfterAll(): void {
  // werift peers keep timers running: one a failed test did not close would hold the run open
  after(async () => {
    await Promise.all([...serverPeers].map((pc) => pc.close().catch(() => undefined)));
  });
}

/** The server half of one session: answer the client's offer through the endpoint (or plain werift when `ice` is undefined). */
async function serve(ice: IceEndpoint | undefined, kind: Kind, offerSdp: string): Promise<ServerSession & { answer: string }> {
  const pc = ice ? ice.createPeerConnection() : new RTCPeerConnection(CLIENT_CONFIG);
  serverPeers.add(pc);
  pc.connectionStateChange.subscribe((state) => state === "closed" && serverPeers.delete(pc));
  let rtp = 0;
  pc.onDataChannel.subscribe((dc) => dc.onMessage.subscribe((m) => dc.send(`pong:${m.toString()}`)));
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => rtp++));
  const prepared = ice ? ice.prepareRemoteSdp(offerSdp) : { sdp: offerSdp, droppedMdnsCandidates: 0, withheldEndOfCandidates: false };
  await pc.setRemoteDescription({ type: "offer", sdp: prepared.sdp });
  let track: MediaStreamTrack | undefined;
  if (kind === "recvonly") {
    track = new MediaStreamTrack({ kind: "video" });
    const transceiver = pc.getTransceivers()[0]!;
    transceiver.setDirection("sendonly");
    await transceiver.sender.replaceTrack(track);
  }
  await pc.setLocalDescription(await pc.createAnswer());
  if (track) {
    const feed = track;
    const timer = setInterval(() => {
      if (pc.connectionState === "closed") return clearInterval(timer);
      const pt = pc.getTransceivers()[0]?.codecs[0]?.payloadType ?? 96;
      feed.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: rtp++ & 0xffff, timestamp: 0, marker: true }), Buffer.alloc(100)));
    }, 20);
    timer.unref();
  }
  return { pc, rtpReceived: () => rtp, prepared, answer: pc.localDescription!.sdp };
}

/** One session end to end: the client's offer, the server's answer, both sides connected. */
export async function connectOne(ice: IceEndpoint | undefined, client: IceClient, id: string, kind: Kind, mdnsNames = false, answerMdns = false) {
  const started = performance.now();
  const { sdp } = await client.call<{ sdp: string }>({ cmd: "offer", id, kind, mdnsNames, answerMdns });
  const offerReceived = performance.now();
  const session = await serve(ice, kind, sdp);
  const answered = client.call<{ connectedMs: number; echo?: string; rtpReceived?: number }>({ cmd: "answer", id, sdp: session.answer });
  await poll(() => session.pc.connectionState, (s) => s === "connected", 15_000, `server side of ${id} connected`, { intervalMs: 5 });
  const serverMs = performance.now() - offerReceived;
  const result = await answered;
  return { ...session, result, serverMs, totalMs: performance.now() - started };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * media-node/ice over real UDP: the shared port, its demultiplexing, the mDNS modes.
 *
 * Three roles live in this one file:
 * - outer (default): re-runs this file inside a private network namespace (unshare -n, lo up,
 *   multicast on lo), so werift's DNS lookups of its default STUN host and every mDNS packet
 *   stay inside it. Skips, saying why, only when namespaces cannot be made here.
 * - server (ICE_TEST_IN_NETNS=1): the tests; this process holds the IceEndpoint.
 * - client (ICE_TEST_ROLE=client): a werift peer in ANOTHER process, driven over IPC, so the
 *   server's sockets are exactly the ones in this process's /proc/self/fd.
 */
import assert from "node:assert/strict";
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, test, type TestContext } from "node:test";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel } from "werift";
import mdns from "multicast-dns";
import { startIceEndpoint, type IceEndpoint, type IceEndpointOptions } from "../../media-node/ice/endpoint.js";

const THIS_FILE = fileURLToPath(import.meta.url);
const ROLE = process.env.ICE_TEST_ROLE ?? (process.env.ICE_TEST_IN_NETNS === "1" ? "server" : "outer");
const CLIENT_CONFIG = { iceServers: [], iceAdditionalHostAddresses: ["127.0.0.1"], iceUseIpv6: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------- client role (child process)

type Kind = "datachannel" | "sendonly" | "recvonly";
type ClientRequest =
  | { cmd: "offer"; id: string; kind: Kind; mdnsNames: boolean; answerMdns: boolean }
  | { cmd: "answer"; id: string; sdp: string }
  | { cmd: "close"; id: string }
  | { cmd: "junk"; port: number }
  | { cmd: "exit" };

async function runClient(): Promise<void> {
  const peers = new Map<string, { pc: RTCPeerConnection; kind: Kind; rtpReceived: number; dc?: RTCDataChannel }>();
  const names = new Map<string, string>(); // mDNS name -> address this client answers with
  let responder: ReturnType<typeof mdns> | undefined;
  const reply = (msg: object) => process.connected && process.send!(msg);

  async function handle(req: ClientRequest): Promise<object | undefined> {
    switch (req.cmd) {
      case "offer": {
        const pc = new RTCPeerConnection(CLIENT_CONFIG);
        const peer: { pc: RTCPeerConnection; kind: Kind; rtpReceived: number; dc?: RTCDataChannel } = { pc, kind: req.kind, rtpReceived: 0 };
        peers.set(req.id, peer);
        if (req.kind === "datachannel") peer.dc = pc.createDataChannel("probe");
        if (req.kind === "sendonly") pc.addTransceiver(new MediaStreamTrack({ kind: "video" }), { direction: "sendonly" });
        if (req.kind === "recvonly") {
          pc.addTransceiver("video", { direction: "recvonly" });
          pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => peer.rtpReceived++));
        }
        await pc.setLocalDescription(await pc.createOffer());
        let sdp = pc.localDescription!.sdp;
        if (req.mdnsNames) {
          // what a browser sends: host addresses hidden behind random .local names
          sdp = sdp.replace(/^(a=candidate:\S+ \d+ udp \d+ )(\S+)( \d+ typ host)/gim, (_m, head: string, address: string, tail: string) => {
            const name = `${randomUUID()}.local`;
            names.set(name, address);
            return head + name + tail;
          });
        }
        if (req.answerMdns && !responder) {
          responder = mdns();
          responder.on("query", (query: { questions?: { name: string; type: string }[] }) => {
            for (const q of query.questions ?? []) {
              const address = names.get(q.name);
              if (address && q.type === "A") responder!.respond({ answers: [{ name: q.name, type: "A", ttl: 120, data: address }] });
            }
          });
        }
        return { sdp };
      }
      case "answer": {
        const peer = peers.get(req.id)!;
        const started = performance.now();
        await peer.pc.setRemoteDescription({ type: "answer", sdp: req.sdp });
        await waitFor("client connected", () => peer.pc.connectionState === "connected", 15_000);
        const connectedMs = performance.now() - started;
        if (peer.kind === "datachannel") {
          const dc = peer.dc!;
          await waitFor("data channel open", () => dc.readyState === "open");
          const echo = new Promise<string>((resolve) => dc.onMessage.subscribe((m) => resolve(m.toString())));
          dc.send("ping");
          return { connectedMs, echo: await Promise.race([echo, sleep(5000).then(() => "no echo")]) };
        }
        if (peer.kind === "sendonly") {
          const track = peer.pc.getTransceivers()[0]!.sender.track!;
          const pt = peer.pc.getTransceivers()[0]!.codecs[0]?.payloadType ?? 96;
          for (let i = 0; i < 20; i++) {
            track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: i, timestamp: i * 3000, marker: true }), Buffer.alloc(200, i)));
            await sleep(5);
          }
          return { connectedMs };
        }
        await waitFor("RTP from the server", () => peer.rtpReceived > 0, 5000).catch(() => {});
        return { connectedMs, rtpReceived: peer.rtpReceived };
      }
      case "close": {
        await peers.get(req.id)?.pc.close();
        peers.delete(req.id);
        return {};
      }
      case "junk":
        return await sendJunk(req.port);
      case "exit":
        for (const p of peers.values()) await p.pc.close();
        responder?.destroy();
        process.disconnect();
        return undefined;
    }
  }

  process.on("message", (req: ClientRequest & { seq: number }) => {
    handle(req).then(
      (result) => result && reply({ seq: req.seq, ok: true, ...result }),
      (err: Error) => reply({ seq: req.seq, ok: false, error: String(err?.stack ?? err) }),
    );
  });
}

/** Everything the shared port must survive, sent from a socket no session knows. */
async function sendJunk(port: number): Promise<object> {
  const socket = createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  const header = (type: number, length: number) => {
    const b = Buffer.alloc(20);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(length, 2);
    b.writeUInt32BE(0x2112a442, 4);
    return b;
  };
  const username = Buffer.from("zzzz:yyyy");
  const attr = Buffer.alloc(4 + 12);
  attr.writeUInt16BE(0x0006, 0);
  attr.writeUInt16BE(username.length, 2);
  username.copy(attr, 4);
  const datagrams = [
    Buffer.from("hello, port 8118"), // garbage ('h' is in no RFC 7983 range)
    Buffer.from([0xff, 0x00, 0x13]), // garbage
    Buffer.alloc(0), // garbage
    header(0x0001, 0).subarray(0, 12), // truncated STUN header
    Buffer.concat([header(0x0001, 64), Buffer.alloc(8)]), // declared length beyond the datagram
    Buffer.concat([header(0x0001, attr.length), attr]), // ICE check for ufrag nobody has
    header(0x0101, 0), // a STUN success from an unknown address
    Buffer.concat([Buffer.from([0x80, 96]), Buffer.alloc(30)]), // RTP from an unknown address
    Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), Buffer.alloc(30)]), // DTLS from an unknown address
  ];
  for (const d of datagrams) await new Promise<void>((r) => socket.send(d, port, "127.0.0.1", () => r()));
  await sleep(50);
  await new Promise<void>((r) => socket.close(() => r()));
  return { sent: datagrams.length };
}

// ---------------------------------------------------------------- server side helpers

class Client {
  private seq = 0;
  private readonly pending = new Map<number, (msg: { ok: boolean; error?: string } & Record<string, unknown>) => void>();
  constructor(readonly child: ChildProcess) {
    child.on("message", (msg: { seq: number; ok: boolean }) => {
      this.pending.get(msg.seq)?.(msg);
      this.pending.delete(msg.seq);
    });
  }
  static start(t: TestContext): Client {
    const child = fork(THIS_FILE, [], { execArgv: ["--import", "tsx"], env: { ...process.env, ICE_TEST_ROLE: "client" }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    t.after(() => {
      if (child.connected) child.send({ cmd: "exit" });
      setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 2000).unref();
    });
    return new Client(child);
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
function udpSocketsOfThisProcess(): { address: string; port: number }[] {
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

async function endpoint(t: TestContext, overrides: Partial<IceEndpointOptions> = {}): Promise<IceEndpoint> {
  const ice = await startIceEndpoint({ host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off", ...overrides });
  t.after(() => ice.close());
  return ice;
}

interface ServerSession {
  pc: RTCPeerConnection;
  rtpReceived: () => number;
  prepared: ReturnType<IceEndpoint["prepareRemoteSdp"]>;
}

/** The server half of one session: answer the client's offer through the endpoint (or plain werift when `ice` is undefined). */
/** Server-side peers still open; a test that fails before closing its own leaves them to `after`. */
const serverPeers = new Set<RTCPeerConnection>();

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

async function connectOne(ice: IceEndpoint | undefined, client: Client, id: string, kind: Kind, mdnsNames = false, answerMdns = false) {
  const started = performance.now();
  const { sdp } = await client.call<{ sdp: string }>({ cmd: "offer", id, kind, mdnsNames, answerMdns });
  const offerReceived = performance.now();
  const session = await serve(ice, kind, sdp);
  const answered = client.call<{ connectedMs: number; echo?: string; rtpReceived?: number }>({ cmd: "answer", id, sdp: session.answer });
  await waitFor(`server side of ${id} connected`, () => session.pc.connectionState === "connected", 15_000);
  const serverMs = performance.now() - offerReceived;
  const result = await answered;
  return { ...session, result, serverMs, totalMs: performance.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------------------------------------------------------------- the tests

if (ROLE === "client") {
  await runClient();
} else if (ROLE === "outer") {
  test("ice integration tests -> run inside a private network namespace", (t) => {
    const asRoot = process.getuid?.() === 0;
    const unshareArgs = asRoot ? ["-n"] : ["-rn"];
    const probe = spawnSync("unshare", [...unshareArgs, "sh", "-c", "ip link set lo up && ip link set lo multicast on"], { encoding: "utf8" });
    if (probe.status !== 0) {
      t.skip(`network namespaces unavailable here (unshare ${unshareArgs.join(" ")}: ${probe.stderr.trim() || probe.error?.message}); the ICE and mDNS tests did not run`);
      return;
    }
    return new Promise<void>((resolve, reject) => {
      const child = spawn(
        "unshare",
        [...unshareArgs, "sh", "-c", 'ip link set lo up && ip link set lo multicast on && exec "$0" "$@"', process.execPath, "--import", "tsx", "--test-reporter=tap", THIS_FILE],
        // without NODE_TEST_CONTEXT the inner run reports plain TAP instead of the runner's private channel
        { env: { ...process.env, NODE_TEST_CONTEXT: undefined, ICE_TEST_IN_NETNS: "1" }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        for (const line of output.split("\n").filter((l) => /^# (measured|tests|pass|fail|skipped)/.test(l.trim()))) t.diagnostic(line.trim());
        if (code === 0) resolve();
        else reject(new Error(`ICE tests in the namespace failed (exit ${code ?? signal}):\n${output.slice(-12_000)}`));
      });
    });
  });
} else {
  // werift peers keep timers running: one a failed test did not close would hold the run open
  after(async () => {
    await Promise.all([...serverPeers].map((pc) => pc.close().catch(() => undefined)));
  });

  test("5 peer connections through the endpoint -> all connect over ONE UDP socket; closing empties the demux table", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t);
    const client = Client.start(t);
    const kinds: Kind[] = ["datachannel", "sendonly", "recvonly", "datachannel", "sendonly"];
    const sessions = await Promise.all(kinds.map((kind, i) => connectOne(ice, client, `s${i}`, kind)));

    for (const [i, s] of sessions.entries()) {
      if (kinds[i] === "datachannel") assert.equal(s.result.echo, "pong:ping", `session ${i} data channel echo`);
      if (kinds[i] === "recvonly") assert.ok((s.result.rtpReceived ?? 0) > 0, `session ${i}: client received RTP sent over the shared port`);
    }
    for (const [i, s] of sessions.entries()) {
      if (kinds[i] === "sendonly") await waitFor(`RTP on server session ${i}`, () => s.rtpReceived() > 0, 5000);
    }
    assert.equal(ice.stats().sessions, 5);
    const sockets = udpSocketsOfThisProcess();
    assert.deepEqual(sockets, [{ address: "127.0.0.1", port: ice.port }], "the server process holds exactly the one shared UDP socket");
    for (const s of sessions) {
      assert.ok(s.answer.split("\r\n").filter((l) => l.startsWith("a=candidate:")).every((l) => l.includes(` 127.0.0.1 ${ice.port} typ host`)), "every advertised candidate is the shared port");
    }
    console.log(`# measured concurrent: 5 sessions through the endpoint, server offer->connected median ${median(sessions.map((s) => s.serverMs)).toFixed(0)} ms, max ${Math.max(...sessions.map((s) => s.serverMs)).toFixed(0)} ms; UDP sockets held ${sockets.length}`);

    for (const [i, s] of sessions.entries()) {
      await s.pc.close();
      await client.call({ cmd: "close", id: `s${i}` });
    }
    assert.deepEqual({ sessions: ice.stats().sessions, demuxEntries: ice.stats().demuxEntries }, { sessions: 0, demuxEntries: 0 });
    assert.equal(ice.stats().counters.candidatePaths.selectedHost + ice.stats().counters.candidatePaths.selectedPeerReflexive, 5);
  });

  test("5 sessions one after another, endpoint vs plain werift -> measured connect time and sockets held", { timeout: 60_000 }, async (t) => {
    const client = Client.start(t);
    const ice = await endpoint(t);
    const measure = async (label: string, via: IceEndpoint | undefined) => {
      const before = udpSocketsOfThisProcess().length;
      const sessions = [];
      for (let i = 0; i < 5; i++) sessions.push(await connectOne(via, client, `${label}${i}`, "datachannel"));
      const held = udpSocketsOfThisProcess().length - before;
      for (const [i, s] of sessions.entries()) {
        assert.equal(s.result.echo, "pong:ping");
        await s.pc.close();
        await client.call({ cmd: "close", id: `${label}${i}` });
      }
      return { offerToConnectedMs: median(sessions.map((s) => s.serverMs)), held };
    };
    const mux = await measure("m", ice);
    const plain = await measure("p", undefined);
    assert.equal(mux.held, 0, "sessions through the endpoint add no socket");
    assert.ok(plain.held >= 5, `plain werift holds a socket per session (held ${plain.held})`);
    const line = `# measured sequential, server offer->connected median: endpoint ${mux.offerToConnectedMs.toFixed(0)} ms (+${mux.held} sockets for 5 sessions), plain werift ${plain.offerToConnectedMs.toFixed(0)} ms (+${plain.held} sockets)`;
    console.log(line);
    t.diagnostic(line);
  });

  test("garbage, truncated STUN, unknown ufrag, unknown addresses at the port -> counted by reason; a new session still connects", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t);
    const client = Client.start(t);
    await client.call({ cmd: "junk", port: ice.port });
    await waitFor("junk counted", () => Object.values(ice.stats().counters.dropped).reduce((a, b) => a + b, 0) >= 9, 2000);
    const { dropped } = ice.stats().counters;
    assert.deepEqual(dropped, { garbage: 3, truncatedStun: 2, malformedStun: 0, stunWithoutUsername: 0, unknownUfrag: 1, unknownAddress: 3 });
    const s = await connectOne(ice, client, "after-junk", "datachannel");
    assert.equal(s.result.echo, "pong:ping");
    await s.pc.close();
    await client.call({ cmd: "close", id: "after-junk" });
    assert.equal(ice.stats().demuxEntries, 0);
  });

  test("werift alone, an offer of only .local candidates + end-of-candidates, no mDNS -> ICE fails at once (why the endpoint withholds the marker)", { timeout: 60_000 }, async (t) => {
    const client = Client.start(t);
    const { sdp } = await client.call<{ sdp: string }>({ cmd: "offer", id: "control", kind: "datachannel", mdnsNames: true, answerMdns: false });
    assert.match(sdp, /\.local \d+ typ host/);
    assert.match(sdp, /a=end-of-candidates/);
    const pc = new RTCPeerConnection(CLIENT_CONFIG);
    t.after(() => pc.close());
    const noMdns = sdp.split("\r\n").filter((l) => !l.includes(".local")).join("\r\n");
    await pc.setRemoteDescription({ type: "offer", sdp: noMdns });
    await pc.setLocalDescription(await pc.createAnswer());
    const started = performance.now();
    await waitFor("werift to give up", () => pc.iceConnectionState === "failed", 3000);
    t.diagnostic(`werift failed ICE ${(performance.now() - started).toFixed(0)} ms after the answer`);
  });

  test("mdns off, offer with only <uuid>.local candidates -> no multicast socket, connects peer-reflexive", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t, { mdnsMode: "off" });
    const client = Client.start(t);
    const s = await connectOne(ice, client, "mdns-off", "datachannel", true, false);
    assert.equal(s.prepared.droppedMdnsCandidates, 1);
    assert.equal(s.prepared.withheldEndOfCandidates, true);
    assert.equal(s.result.echo, "pong:ping");
    const stats = ice.stats();
    assert.equal(stats.counters.candidatePaths.mdnsIgnored, 1);
    assert.equal(stats.counters.candidatePaths.endOfCandidatesWithheld, 1);
    assert.equal(stats.counters.candidatePaths.selectedPeerReflexive, 1);
    assert.equal(stats.counters.mdnsQueries, 0);
    assert.equal(stats.mdnsSockets, 0);
    assert.deepEqual(udpSocketsOfThisProcess().filter((x) => x.port === 5353), [], "no socket bound to 5353 in the server process");
    assert.deepEqual(udpSocketsOfThisProcess(), [{ address: "127.0.0.1", port: ice.port }]);
    await s.pc.close();
  });

  test("mdns shared, two sessions with .local candidates -> both resolved through ONE resolver socket", { timeout: 60_000 }, async (t) => {
    // a loaded machine can answer mDNS slower than ICE connects peer-reflexive: wait longer than the default 3 s
    const ice = await endpoint(t, { mdnsMode: "shared", mdnsTimeoutMs: 10_000 });
    const client = Client.start(t);
    const a = await connectOne(ice, client, "shared-a", "datachannel", true, true);
    const b = await connectOne(ice, client, "shared-b", "datachannel", true, true);
    assert.equal(a.result.echo, "pong:ping");
    assert.equal(b.result.echo, "pong:ping");
    await waitFor("both names resolved", () => ice.stats().counters.candidatePaths.mdnsResolved === 2, 12_000);
    const stats = ice.stats();
    assert.equal(stats.counters.mdnsQueries, 2, "one query per distinct name");
    assert.equal(stats.mdnsSockets, 1);
    assert.equal(udpSocketsOfThisProcess().filter((x) => x.port === 5353).length, 1, "exactly one multicast socket in the server process");
    await a.pc.close();
    await b.pc.close();
    assert.equal(ice.stats().mdnsSockets, 1, "closing sessions does not close the shared resolver");
    await ice.close();
    assert.equal(udpSocketsOfThisProcess().filter((x) => x.port === 5353).length, 0, "closing the endpoint closes the resolver");
  });

  test("mdns perConnection, two sessions with .local candidates -> werift's resolver, a multicast socket per connection", { timeout: 60_000 }, async (t) => {
    const ice = await endpoint(t, { mdnsMode: "perConnection" });
    const client = Client.start(t);
    const a = await connectOne(ice, client, "per-a", "datachannel", true, true);
    const b = await connectOne(ice, client, "per-b", "datachannel", true, true);
    assert.equal(a.result.echo, "pong:ping");
    assert.equal(b.result.echo, "pong:ping");
    assert.equal(ice.stats().counters.mdnsQueries, 2);
    const mdnsSockets = udpSocketsOfThisProcess().filter((x) => x.port === 5353).length;
    assert.equal(mdnsSockets, 2, "werift opens one multicast socket per connection");
    console.log(`# measured perConnection mDNS sockets with 2 sessions: ${mdnsSockets} (shared: 1, off: 0)`);
    await a.pc.close();
    await b.pc.close();
  });
}

/**
 * The client side of the ICE tests (ice-*.test.ts): werift peers in ANOTHER process, driven
 * over IPC by `IceClient` (ice-netns-support.ts), so the server's sockets are exactly the ones
 * in the test process's /proc/self/fd. Forked inside the tests' network namespace; not a test.
 */
import { randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel } from "werift";
import mdns from "multicast-dns";
import { poll } from "../support/poll.js";
import { CLIENT_CONFIG, type ClientRequest, type Kind } from "./ice-netns-support.js";

const FAST = { intervalMs: 5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Peer {
  pc: RTCPeerConnection;
  kind: Kind;
  rtpReceived: number;
  dc?: RTCDataChannel;
}

const peers = new Map<string, Peer>();
const names = new Map<string, string>(); // mDNS name -> address this client answers with
let responder: ReturnType<typeof mdns> | undefined;
const reply = (msg: object) => process.connected && process.send!(msg);

async function handle(req: ClientRequest): Promise<object | undefined> {
  switch (req.cmd) {
    case "offer": {
      const pc = new RTCPeerConnection(CLIENT_CONFIG);
      const peer: Peer = { pc, kind: req.kind, rtpReceived: 0 };
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
      await poll(() => peer.pc.connectionState, (s) => s === "connected", 15_000, "client connected", FAST);
      const connectedMs = performance.now() - started;
      if (peer.kind === "datachannel") {
        const dc = peer.dc!;
        await poll(() => dc.readyState, (s) => s === "open", 10_000, "data channel open", FAST);
        const echo = new Promise<string>((resolve) => dc.onMessage.subscribe((m) => resolve(m.toString())));
        dc.send("ping");
        // the server asserts the echo; "no echo" makes that assertion fail with a reason
        return { connectedMs, echo: await Promise.race([echo, sleep(5000).then(() => "no echo")]) };
      }
      if (peer.kind === "sendonly") {
        const track = peer.pc.getTransceivers()[0]!.sender.track!;
        const pt = peer.pc.getTransceivers()[0]!.codecs[0]?.payloadType ?? 96;
        for (let i = 0; i < 20; i++) {
          track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: i, timestamp: i * 3000, marker: true }), Buffer.alloc(200, i)));
          await sleep(5); // pacing, not a wait: the server polls for what arrives
        }
        return { connectedMs };
      }
      // the server asserts rtpReceived > 0: report what arrived even when nothing did
      await poll(() => peer.rtpReceived, (n) => n > 0, 5000, "RTP from the server", FAST).catch(() => undefined);
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
  // each send's callback runs once the datagram is handed to the kernel: closing after them loses none
  for (const d of datagrams) await new Promise<void>((r) => socket.send(d, port, "127.0.0.1", () => r()));
  await new Promise<void>((r) => socket.close(() => r()));
  return { sent: datagrams.length };
}

process.on("message", (req: ClientRequest & { seq: number }) => {
  handle(req).then(
    (result) => result && reply({ seq: req.seq, ok: true, ...result }),
    (err: Error) => reply({ seq: req.seq, ok: false, error: String(err?.stack ?? err) }),
  );
});

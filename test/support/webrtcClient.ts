/**
 * A werift WHIP publisher / WHEP viewer that runs in a CHILD process (started by
 * `clients.ts`), so the media node under test never shares an event loop or sockets with
 * its clients. Loopback only: `iceServers: []`, interface discovery off, 127.0.0.1 as the
 * only host candidate.
 *
 * Protocol: one JSON command per stdin line, `{ req, op, ...args }`; the answer is one
 * stdout line `{ reply: req, ok, ...result | error }`. Unprompted events are
 * `{ event, id, ... }` lines: connected {ms}, state {state} (connectionState), dtls {state}
 * (DTLS transport state; "closed" when the node ends the session with close_notify), pli. Ops:
 *   publish { id, url, token?, fps?, packetsPerFrame?, payloadBytes?, keyframeEvery?, audio? }
 *       -> { status, headers, location, etag, body }; sends the VP8 test pattern
 *          (counter in the last 4 payload bytes) once connected; a PLI forces a keyframe.
 *   view { id, url, token?, audio?, abandon?, videoCodecs? (default ["VP8","H264"]) } -> same shape; records every video RTP packet
 *       received. `abandon: true` closes the peer right after the POST, never doing ICE.
 *   report { id } -> { sent } for a publisher; { packets: [[seq, pt, ssrc, counter, key]], state } for a viewer.
 *   stopSending { id } -> { sent }
 *   request { method, url, headers?, body? } -> { status, headers, body } (plain HTTP helper)
 *   delete { id } -> { status } (DELETE on the session's Location)
 *   close { id } -> closes the peer connection without DELETE
 *   exit -> closes everything and exits 0
 */
import "./noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { createInterface } from "node:readline";
import { MediaStreamTrack, RTCPeerConnection, useH264, useOPUS, useVP8, type RTCRtpTransceiver } from "werift";
import { isVp8Keyframe } from "../../media-node/codec/keyframe.js";
import { createVp8Pattern, patternCounter } from "../../media-node/ingest/vp8Pattern.js";

interface Client {
  pc: RTCPeerConnection;
  location?: string;
  token?: string;
  sent: number;
  timer?: NodeJS.Timeout;
  packets: Array<[number, number, number, number, number]>;
}

const clients = new Map<string, Client>();
const emit = (line: object) => process.stdout.write(JSON.stringify(line) + "\n");

const VIDEO_CODECS = { VP8: () => useVP8(), H264: () => useH264() } as const;

function newPeer(videoCodecs: Array<keyof typeof VIDEO_CODECS> = ["VP8", "H264"]): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: { video: videoCodecs.map((name) => VIDEO_CODECS[name]()), audio: [useOPUS()] },
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
  });
}

async function gathered(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 5000);
    pc.iceGatheringStateChange.subscribe((s) => {
      if (s === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return pc.localDescription!.sdp;
}

async function http(method: string, url: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body: text };
}

function watch(id: string, client: Client, started: number) {
  client.pc.connectionStateChange.subscribe((state) => {
    emit({ event: "state", id, state });
    if (state === "connected") emit({ event: "connected", id, ms: Date.now() - started });
  });
}

async function negotiate(id: string, client: Client, url: string, token: string | undefined, abandon = false) {
  const started = Date.now();
  watch(id, client, started);
  const offer = await gathered(client.pc);
  const headers: Record<string, string> = { "Content-Type": "application/sdp" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await http("POST", url, headers, offer);
  if (res.status === 201 && abandon) {
    client.location = new URL(res.headers.location!, url).toString();
    await client.pc.close();
  } else if (res.status === 201) {
    client.location = new URL(res.headers.location!, url).toString();
    await client.pc.setRemoteDescription({ type: "answer", sdp: res.body });
    // werift keeps connectionState "connected" after the peer's DTLS close_notify; the
    // transport state is where a clean end shows.
    for (const transport of client.pc.dtlsTransports) {
      transport.onStateChange.subscribe((state) => emit({ event: "dtls", id, state }));
    }
  } else {
    await client.pc.close();
    clients.delete(id);
  }
  return { status: res.status, headers: res.headers, location: client.location, etag: res.headers.etag, body: res.body };
}

async function publish(args: any) {
  const client: Client = { pc: newPeer(), token: args.token, sent: 0, packets: [] };
  clients.set(args.id, client);
  const track = new MediaStreamTrack({ kind: "video" });
  const transceiver: RTCRtpTransceiver = client.pc.addTransceiver(track, { direction: "sendonly" });
  if (args.audio) client.pc.addTransceiver(new MediaStreamTrack({ kind: "audio" }), { direction: "sendonly" });
  const fps = args.fps ?? 30;
  const pattern = createVp8Pattern({
    packetsPerFrame: args.packetsPerFrame ?? 4,
    payloadBytes: args.payloadBytes ?? 1000,
    keyframeEvery: args.keyframeEvery ?? fps,
    ssrc: 1,
    payloadType: 96,
  });
  transceiver.sender.onPictureLossIndication.subscribe(() => {
    pattern.requestKeyframe();
    emit({ event: "pli", id: args.id });
  });
  client.pc.connectionStateChange.subscribe((state) => {
    if (state !== "connected" || client.timer) return;
    client.timer = setInterval(() => {
      for (const packet of pattern.nextFrame(Math.round(90000 / fps))) {
        track.writeRtp(packet);
        client.sent += 1;
      }
    }, 1000 / fps);
  });
  return negotiate(args.id, client, args.url, args.token);
}

async function view(args: any) {
  const client: Client = { pc: newPeer(args.videoCodecs), token: args.token, sent: 0, packets: [] };
  clients.set(args.id, client);
  client.pc.addTransceiver("video", { direction: "recvonly" });
  if (args.audio) client.pc.addTransceiver("audio", { direction: "recvonly" });
  client.pc.onTrack.subscribe((track) => {
    if (track.kind !== "video") return;
    track.onReceiveRtp.subscribe((rtp) => {
      const { sequenceNumber, payloadType, ssrc } = rtp.header;
      client.packets.push([sequenceNumber, payloadType, ssrc, patternCounter(rtp.payload), isVp8Keyframe(rtp.payload) ? 1 : 0]);
    });
  });
  return negotiate(args.id, client, args.url, args.token, args.abandon === true);
}

function stopSending(client: Client) {
  if (client.timer) clearInterval(client.timer);
  client.timer = undefined;
}

async function handle(command: any): Promise<object> {
  const client = clients.get(command.id);
  switch (command.op) {
    case "publish":
      return publish(command);
    case "view":
      return view(command);
    case "report":
      if (!client) throw new Error(`no client ${command.id}`);
      return { sent: client.sent, packets: client.packets, state: client.pc.connectionState };
    case "stopSending":
      if (!client) throw new Error(`no client ${command.id}`);
      stopSending(client);
      return { sent: client.sent };
    case "request":
      return http(command.method, command.url, command.headers ?? {}, command.body);
    case "delete": {
      if (!client?.location) throw new Error(`no session for ${command.id}`);
      const headers: Record<string, string> = client.token ? { Authorization: `Bearer ${client.token}` } : {};
      stopSending(client);
      return { status: (await http("DELETE", client.location, headers)).status };
    }
    case "close":
      if (!client) throw new Error(`no client ${command.id}`);
      stopSending(client);
      await client.pc.close();
      return {};
    case "exit":
      for (const c of clients.values()) {
        stopSending(c);
        await c.pc.close().catch(() => undefined);
      }
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  let command: any;
  try {
    command = JSON.parse(line);
  } catch {
    return;
  }
  handle(command).then(
    (result) => emit({ reply: command.req, ok: true, ...result }),
    (error: Error) => emit({ reply: command.req, ok: false, error: error.message }),
  );
});
process.stdin.on("end", () => process.exit(0));
emit({ event: "ready" });

/**
 * `rtcpReportInterval` end to end: two real media-node processes side by side, one at 1 s and
 * one at 3 s, each with a werift publisher and two werift viewers (child process). Every
 * viewer's media passes through a counting UDP relay in this process, so sender reports are
 * counted where the viewer receives them (SRTCP leaves the RTCP header in the clear: packet
 * type 200 in the second byte). Over 30 s: about 30 SRs per viewer at 1 s, about 10 at 3 s,
 * and `mediafleet_rtcp_sender_reports_total` agrees.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import { startClientProcess, type ClientProcess } from "../support/clients.js";
import { startMediaNode, type StartedNode } from "../support/mediaNode.js";

const WINDOW_MS = 30_000;
const VIEWERS = 2;
const RTCP_SR = 200;

interface CountingRelay {
  port: number;
  senderReports: number;
  close(): Promise<void>;
}

/** Forwards both ways between one viewer and the node's port, counting SRTCP sender reports towards the viewer. */
async function startCountingRelay(nodePort: number): Promise<CountingRelay> {
  const front = createSocket("udp4");
  const upstreams = new Map<string, Socket>();
  const relay: CountingRelay = {
    port: 0,
    senderReports: 0,
    async close() {
      for (const socket of upstreams.values()) socket.close();
      await new Promise<void>((r) => front.close(() => r()));
    },
  };
  const upstreamFor = (client: RemoteInfo) => {
    const key = `${client.address}:${client.port}`;
    let socket = upstreams.get(key);
    if (!socket) {
      socket = createSocket("udp4");
      socket.on("message", (datagram) => {
        if (datagram.length >= 8 && datagram[0]! >= 128 && datagram[0]! <= 191 && datagram[1] === RTCP_SR) relay.senderReports++;
        front.send(datagram, client.port, client.address);
      });
      socket.on("error", () => undefined);
      socket.bind(0, "127.0.0.1");
      upstreams.set(key, socket);
    }
    return socket;
  };
  front.on("message", (datagram, client) => upstreamFor(client).send(datagram, nodePort, "127.0.0.1"));
  front.on("error", () => undefined);
  await new Promise<void>((r) => front.bind(0, "127.0.0.1", () => r()));
  relay.port = front.address().port;
  return relay;
}

/** WHEP proxy: offer without candidates, answer pointed at a fresh counting relay. */
async function startWhepProxy(node: StartedNode, relays: CountingRelay[]): Promise<Server & { url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const offer = Buffer.concat(chunks).toString().split(/\r?\n/).filter((l) => !/^a=(candidate|end-of-candidates)/.test(l)).join("\r\n");
      const upstream = await fetch(`${node.httpUrl}${req.url}`, {
        method: "POST",
        headers: { "content-type": "application/sdp" },
        body: offer,
        signal: AbortSignal.timeout(20_000),
      });
      let answer = await upstream.text();
      if (upstream.status === 201) {
        const nodePort = Number(/^a=candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 (\d+) typ host/im.exec(answer)?.[1]);
        const relay = await startCountingRelay(nodePort);
        relays.push(relay);
        answer = answer.replace(new RegExp(`^(a=candidate:\\S+ \\d+ udp \\d+ 127\\.0\\.0\\.1 )${nodePort}( typ)`, "gim"), `$1${relay.port}$2`);
      }
      const headers: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!["content-length", "transfer-encoding", "connection", "keep-alive"].includes(k)) headers[k] = v;
      });
      res.writeHead(upstream.status, headers).end(answer);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return Object.assign(server, { url: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
}

async function measure(interval: "1s" | "3s", clients: ClientProcess, cleanups: Array<() => Promise<unknown>>) {
  const node = await startMediaNode({ config: { webrtc: { rtcpReportInterval: interval }, paths: [{ name: "cam1" }] } });
  cleanups.push(() => node.stop());
  const relays: CountingRelay[] = [];
  const proxy = await startWhepProxy(node, relays);
  cleanups.push(() => new Promise((r) => proxy.close(r)));
  cleanups.push(() => Promise.all(relays.map((r) => r.close())));

  const pub = await clients.publish({ id: `pub-${interval}`, url: `${node.httpUrl}/cam1/whip` });
  assert.equal(pub.status, 201, pub.body);
  await clients.waitConnected(`pub-${interval}`);
  for (let v = 0; v < VIEWERS; v++) {
    const res = await clients.view({ id: `v${v}-${interval}`, url: `${proxy.url}/cam1/whep` });
    assert.equal(res.status, 201, res.body);
    await clients.waitConnected(`v${v}-${interval}`);
  }
  await new Promise((r) => setTimeout(r, 1500)); // media flowing: every viewer has something to report on
  const atStart = relays.map((r) => r.senderReports);
  const metricAtStart = await node.metric("mediafleet_rtcp_sender_reports_total");
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const perViewer = relays.map((r, i) => r.senderReports - atStart[i]!);
  const metricDelta = (await node.metric("mediafleet_rtcp_sender_reports_total")) - metricAtStart;
  return { interval, perViewer, metricPerViewer: metricDelta / VIEWERS };
}

test("rtcpReportInterval 3s -> about 10 SRs per viewer in 30 s, a third of 1s", { timeout: 90_000 }, async (t) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  const clients = await startClientProcess();
  cleanups.push(() => clients.stop());

  const [one, three] = await Promise.all([measure("1s", clients, cleanups), measure("3s", clients, cleanups)]);
  t.diagnostic(JSON.stringify({ one, three }));

  assert.equal(one.perViewer.length, VIEWERS);
  assert.equal(three.perViewer.length, VIEWERS);
  for (const n of one.perViewer) assert.ok(n >= 27 && n <= 33, `1s: ${n} SRs seen by a viewer in 30 s`);
  for (const n of three.perViewer) assert.ok(n >= 9 && n <= 11, `3s: ${n} SRs seen by a viewer in 30 s`);
  assert.ok(one.metricPerViewer >= 27 && one.metricPerViewer <= 33, `1s metric: ${one.metricPerViewer} per viewer`);
  assert.ok(three.metricPerViewer >= 9 && three.metricPerViewer <= 11, `3s metric: ${three.metricPerViewer} per viewer`);
  const ratio = one.perViewer.reduce((a, b) => a + b) / three.perViewer.reduce((a, b) => a + b);
  assert.ok(ratio > 2.5 && ratio < 3.5, `1s/3s ratio ${ratio.toFixed(2)}`);
});

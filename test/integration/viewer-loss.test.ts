/**
 * `mediafleet_viewer_fraction_lost` carries what viewers say in their RTCP receiver reports.
 * A real media node per fan-out (lean: the viewer's connection is linked once up, so its RTCP
 * comes through the link; stock: werift's sender gets it), two paths each fed by a werift
 * publisher: cam1's viewer pulls through a UDP relay that drops the node's RTP packets whose
 * sequence number is a multiple of 10 (10 %; never STUN/DTLS/RTCP), cam2's viewer is connected directly.
 *
 * Dropping by sequence number, not at random: these werift viewers negotiate no RTX, so a
 * retransmission carries the original sequence number and counts as received in the viewer's
 * next report. A random drop would be repaired (werift's stock sender answers NACKs even
 * with NACK off) and the reported loss would depend on the repair's timing; here every copy
 * of a dropped packet is dropped too, so the loss the viewer reports is the relay's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import { startClientProcess, type ClientProcess } from "../support/clients.js";
import { startMediaNode, type StartedNode } from "../support/mediaNode.js";
import { poll } from "../support/poll.js";
import { candidatesToPort, isRtp, withoutCandidates } from "../e2e/support/lossyRelay.js";

/** Every tenth sequence number is dropped towards the lossy viewer. */
const DROP_EVERY = 10;
const DROP = 1 / DROP_EVERY;

interface SeqDropRelay {
  port: number;
  counters: { rtpToClient: number; droppedRtp: number };
  /** From now on, drop RTP towards the client whose sequence number is a multiple of DROP_EVERY. */
  startDropping(): void;
  close(): Promise<void>;
}

/**
 * Between a viewer and the node's ICE port; one upstream socket per client address, so the
 * node sees the viewer as the relay's address. The SRTP header is in the clear, so the
 * sequence number can be read.
 */
async function startSeqDropRelay(nodePort: number): Promise<SeqDropRelay> {
  const counters = { rtpToClient: 0, droppedRtp: 0 };
  let dropping = false;
  const front = createSocket("udp4");
  const upstreams = new Map<string, Socket>();
  front.on("message", (datagram, client) => {
    const key = `${client.address}:${client.port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      const socket = (upstream = createSocket("udp4"));
      socket.on("message", (back) => {
        if (isRtp(back)) {
          counters.rtpToClient++;
          if (dropping && back.readUInt16BE(2) % DROP_EVERY === 0) {
            counters.droppedRtp++;
            return;
          }
        }
        front.send(back, client.port, client.address);
      });
      socket.on("error", () => undefined);
      socket.bind(0, "127.0.0.1");
      upstreams.set(key, socket);
    }
    upstream.send(datagram, nodePort, "127.0.0.1");
  });
  front.on("error", () => undefined);
  await new Promise<void>((resolve) => front.bind(0, "127.0.0.1", resolve));
  return {
    port: front.address().port,
    counters,
    startDropping: () => void (dropping = true),
    async close() {
      for (const socket of upstreams.values()) socket.close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

/**
 * WHEP through the relay: the offer goes to the node without candidates and the answer comes
 * back naming the relay instead of the node's ICE port, so the node only knows the viewer as
 * the relay's address and all media passes the relay. Other requests (DELETE) pass as they are.
 */
async function startWhepProxy(node: StartedNode, relay: SeqDropRelay): Promise<Server & { url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const isOffer = req.method === "POST";
      const body = isOffer ? withoutCandidates(Buffer.concat(chunks).toString()) : Buffer.concat(chunks).toString();
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "authorization", "if-match"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const upstream = await fetch(`${node.httpUrl}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(20_000) });
      let text = await upstream.text();
      if (isOffer && upstream.status === 201) text = candidatesToPort(text, node.udpPort, relay.port);
      const location = upstream.headers.get("location");
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain", ...(location ? { location } : {}) }).end(text);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(server, { url: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
}

/** Every sample of the viewer-loss gauge, keyed `path/stat`; fails on any label but path and stat. */
async function lossSamples(node: StartedNode): Promise<Record<string, number>> {
  const text = await (await fetch(node.metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("mediafleet_viewer_fraction_lost{")) continue;
    const m = /^mediafleet_viewer_fraction_lost\{path="([^"]+)",stat="(mean|max)"\} (\S+)$/.exec(line);
    assert.ok(m, `only path and stat labels (bounded), got: ${line}`);
    out[`${m[1]}/${m[2]}`] = Number(m[3]);
  }
  return out;
}

async function runFanout(fanout: "lean" | "stock", clients: ClientProcess, cleanups: Array<() => Promise<unknown>>) {
  const node = await startMediaNode({
    config: { paths: [{ name: "cam1" }, { name: "cam2" }] },
    fanout,
  });
  cleanups.push(() => node.stop());
  const relay = await startSeqDropRelay(node.udpPort);
  cleanups.push(() => relay.close());
  const proxy = await startWhepProxy(node, relay);
  cleanups.push(() => new Promise((r) => proxy.close(r)));

  for (const path of ["cam1", "cam2"]) {
    const id = `${fanout}-pub-${path}`;
    assert.equal((await clients.publish({ id, url: `${node.httpUrl}/${path}/whip`, fps: 30, packetsPerFrame: 4, payloadBytes: 1000 })).status, 201);
    await clients.waitConnected(id);
  }
  const lossy = `${fanout}-lossy`;
  const clean = `${fanout}-clean`;
  assert.equal((await clients.view({ id: lossy, url: `${proxy.url}/cam1/whep` })).status, 201);
  assert.equal((await clients.view({ id: clean, url: `${node.httpUrl}/cam2/whep` })).status, 201);
  await clients.waitConnected(lossy);
  await clients.waitConnected(clean);
  relay.startDropping(); // media only, once the session is up

  // ~120 packets/s: each ~1 s report should say ~10 %; wait for a report that saw drops
  const lossySeen = await poll(() => lossSamples(node), (s) => (s["cam1/max"] ?? 0) > 0.02, 20_000, `${fanout}: cam1 loss reported`);
  const cleanSeen = await poll(() => lossSamples(node), (s) => s["cam2/max"] !== undefined, 20_000, `${fanout}: cam2 reported`);
  // a few more reports from each viewer, then judge the latest
  await new Promise((r) => setTimeout(r, 3000));
  const later = await lossSamples(node);
  const linked = await node.metric("mediafleet_viewers_linked_total");

  await clients.delete(lossy);
  const afterLeave = await poll(() => lossSamples(node), (s) => s["cam1/mean"] === undefined, 10_000, `${fanout}: cam1 series gone once its only viewer left`);
  return { fanout, lossySeen, cleanSeen, later, afterLeave, linked, dropped: relay.counters.droppedRtp, relayed: relay.counters.rtpToClient };
}

test("viewer behind 10% unrepairable loss -> its path's fraction lost > 0; a lossless viewer's path ~0; lean (linked) and werift's stock path", { timeout: 120_000 }, async (t) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  const clients = await startClientProcess();
  cleanups.push(() => clients.stop());

  const results = await Promise.all([runFanout("lean", clients, cleanups), runFanout("stock", clients, cleanups)]);
  for (const r of results) {
    t.diagnostic(JSON.stringify(r));
    assert.ok(r.dropped > 50, `${r.fanout}: the relay dropped ${r.dropped} of ${r.relayed} RTP packets`);
    assert.ok(r.lossySeen["cam1/mean"]! > 0, `${r.fanout}: cam1 mean ${r.lossySeen["cam1/mean"]}`);
    // one viewer: mean and max are its own latest report, near the relay's drop rate
    assert.equal(r.later["cam1/mean"], r.later["cam1/max"]);
    assert.ok(r.later["cam1/max"]! > DROP / 2 && r.later["cam1/max"]! < DROP * 2, `${r.fanout}: cam1 latest ${r.later["cam1/max"]} near ${DROP}`);
    assert.ok(r.later["cam2/max"]! <= 0.02, `${r.fanout}: cam2 (lossless) ${r.later["cam2/max"]} ~0`);
    assert.equal(r.afterLeave["cam2/mean"], r.afterLeave["cam2/max"], `${r.fanout}: cam2 still reported after cam1's viewer left`);
    assert.ok(r.afterLeave["cam2/max"] !== undefined);
  }
  const lean = results.find((r) => r.fanout === "lean")!;
  assert.ok(lean.linked >= 2, `lean: both viewers' connections were linked (RTCP through the link), got ${lean.linked}`);
});

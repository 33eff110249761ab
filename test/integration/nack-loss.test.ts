/**
 * NACK recovery through a lossy link, one real media-node process per NACK mode, run side by
 * side. A werift publisher (child process) feeds `cam1`; one werift viewer (same child) pulls
 * it through a seeded lossy UDP relay that drops 5% of the node's RTP towards the viewer
 * (never STUN/DTLS/RTCP). The viewer's WHEP exchange goes through a tiny HTTP proxy in this
 * process: the offer leaves without candidates and the answer comes back naming the relay,
 * so the node only knows the viewer as the relay's peer-reflexive address and nothing can
 * bypass the loss.
 *
 * shared / perViewer: retransmissions > 0 and residual loss < 0.5%.
 * off: no `a=rtcp-fb:<pt> nack` in the answer, nothing retransmitted, the loss stays (~5%).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { startClientProcess, type ClientProcess } from "../support/clients.js";
import { startMediaNode, type StartedNode } from "../support/mediaNode.js";
import { candidatesToPort, startLossyRelay, withoutCandidates, type LossyRelay } from "../e2e/support/lossyRelay.js";

const DROP = 0.05;
const STREAM_MS = 15_000;

/**
 * Forwards WHEP HTTP to the node; strips the offer's candidates, starts a relay in front of
 * the port the answer names (the shared ICE port, or a per-connection one) and points the
 * answer at the relay.
 */
async function startWhepProxy(node: StartedNode, seed: number, relays: LossyRelay[], answers: string[]): Promise<Server & { url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let body = Buffer.concat(chunks).toString();
      const isOffer = req.method === "POST" && (req.headers["content-type"] ?? "").startsWith("application/sdp");
      if (isOffer) body = withoutCandidates(body);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !["host", "content-length", "connection"].includes(k)) headers[k] = v;
      const upstream = await fetch(`${node.httpUrl}${req.url}`, {
        method: req.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
        signal: AbortSignal.timeout(20_000),
      });
      let text = await upstream.text();
      if (isOffer && upstream.status === 201) {
        const nodePort = Number(/^a=candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 (\d+) typ host/im.exec(text)?.[1]);
        assert.ok(nodePort > 0, `answer names a loopback host candidate:\n${text}`);
        const relay = await startLossyRelay({ nodePort, seed, dropFraction: 0 });
        relays.push(relay);
        text = candidatesToPort(text, nodePort, relay.port);
        answers.push(text);
      }
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!["content-length", "transfer-encoding", "connection", "keep-alive"].includes(k)) out[k] = v;
      });
      res.writeHead(upstream.status, out).end(text);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(server, { url: `http://127.0.0.1:${port}` });
}

interface Outcome {
  mode: string;
  answer: string;
  retransmitted: number;
  suppressed: number;
  misses: number;
  dropped: number;
  rtpToViewer: number;
  uniqueReceived: number;
  expected: number;
  residualLoss: number;
}

async function runMode(mode: "shared" | "perViewer" | "off", seed: number, clients: ClientProcess, cleanups: Array<() => Promise<unknown>>): Promise<Outcome> {
  const node = await startMediaNode({ config: { webrtc: { nack: { mode, historyPackets: 512 } }, paths: [{ name: "cam1" }] } });
  cleanups.push(() => node.stop());
  const answers: string[] = [];
  const relays: LossyRelay[] = [];
  const proxy = await startWhepProxy(node, seed, relays, answers);
  cleanups.push(() => new Promise((r) => proxy.close(r)));
  cleanups.push(() => Promise.all(relays.map((r) => r.close())));

  const pub = await clients.publish({ id: `pub-${mode}`, url: `${node.httpUrl}/cam1/whip`, fps: 30, packetsPerFrame: 4, payloadBytes: 1000 });
  assert.equal(pub.status, 201, pub.body);
  await clients.waitConnected(`pub-${mode}`);
  const view = await clients.view({ id: `v-${mode}`, url: `${proxy.url}/cam1/whep` });
  assert.equal(view.status, 201, view.body);
  await clients.waitConnected(`v-${mode}`);
  const relay = relays[0]!;
  relay.setDropFraction(DROP); // lose media only once the session is up
  await new Promise((r) => setTimeout(r, STREAM_MS));
  relay.setDropFraction(0);
  await clients.stopSending(`pub-${mode}`);
  await new Promise((r) => setTimeout(r, 1000)); // let the last NACKs be answered

  const { packets } = await clients.report(`v-${mode}`);
  const counters = [...new Set(packets.map((p) => p[3]))].sort((a, b) => a - b);
  assert.ok(counters.length > 100, `${mode}: viewer got ${counters.length} packets`);
  const expected = counters.at(-1)! - counters[0]! + 1;
  return {
    mode,
    answer: answers[0] ?? "",
    retransmitted: await node.metric("mediafleet_rtp_retransmitted_packets_total"),
    suppressed: await node.metric("mediafleet_nack_suppressed_total"),
    misses: await node.metric("mediafleet_nack_misses_total"),
    dropped: relay.counters.droppedRtp,
    rtpToViewer: relay.counters.rtpToClient,
    uniqueReceived: counters.length,
    expected,
    residualLoss: 1 - counters.length / expected,
  };
}

test("5% loss towards one viewer -> shared and perViewer recover via NACK, off keeps the loss", { timeout: 120_000 }, async (t) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  const clients = await startClientProcess();
  cleanups.push(() => clients.stop());

  const [shared, perViewer, off] = await Promise.all([
    runMode("shared", 11, clients, cleanups),
    runMode("perViewer", 12, clients, cleanups),
    runMode("off", 13, clients, cleanups),
  ]);
  for (const o of [shared, perViewer, off]) {
    const { answer: _answer, ...numbers } = o;
    t.diagnostic(JSON.stringify({ ...numbers, residualLoss: Number((o.residualLoss * 100).toFixed(3)) + "%" }));
  }

  for (const o of [shared, perViewer]) {
    assert.match(o.answer, /^a=rtcp-fb:\d+ nack\r?$/m, `${o.mode}: answer offers NACK`);
    assert.ok(o.dropped > 50, `${o.mode}: the relay dropped ${o.dropped} RTP packets`);
    assert.ok(o.retransmitted > 0, `${o.mode}: retransmitted ${o.retransmitted}`);
    assert.ok(o.residualLoss < 0.005, `${o.mode}: residual loss ${(o.residualLoss * 100).toFixed(2)}% >= 0.5%`);
  }
  assert.doesNotMatch(off.answer, /^a=rtcp-fb:\d+ nack\r?$/m, "off: no nack feedback in the answer");
  assert.equal(off.retransmitted, 0, "off: nothing retransmitted");
  assert.ok(off.residualLoss > 0.03 && off.residualLoss < 0.08, `off: loss stays near 5% (${(off.residualLoss * 100).toFixed(2)}%)`);
});

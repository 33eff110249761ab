/**
 * RTP/UDP ingest into a real media-node: a packet generator in the test sends H264 RTP
 * (real NAL types: SPS/PPS in a STAP-A + IDR in FU-A for keyframes, non-IDR slices between)
 * to the path's port; a WHEP viewer must receive packets starting at a keyframe. Garbage
 * and truncated datagrams on the same port are counted and dropped.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { startClientProcess } from "../support/clients.js";
import { poll } from "../support/poll.js";
import { freeUdpPort, startMediaNode } from "../support/mediaNode.js";

const PT = 96;

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (marker ? 0x80 : 0) | PT;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(ts >>> 0, 4);
  header.writeUInt32BE(0x11223344, 8);
  return Buffer.concat([header, payload]);
}

/** A frame as RTP payloads. Keyframes: STAP-A(SPS, PPS) + FU-A(IDR) x3; others: FU-A(non-IDR) x3. The last 4 bytes of each payload carry a counter. */
function h264Frame(keyframe: boolean, counter: () => number): Buffer[] {
  const withCounter = (head: number[], size = 300) => {
    const body = Buffer.alloc(size, 0x33);
    Buffer.from(head).copy(body);
    body.writeUInt32BE(counter(), size - 4);
    return body;
  };
  const payloads: Buffer[] = [];
  if (keyframe) payloads.push(withCounter([0x18, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1f, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80], 40));
  const nalType = keyframe ? 5 : 1;
  for (let i = 0; i < 3; i++) {
    const fuHeader = (i === 0 ? 0x80 : 0) | (i === 2 ? 0x40 : 0) | nalType;
    payloads.push(withCounter([0x7c, fuHeader]));
  }
  return payloads;
}

/**
 * H264 frames at 30 fps, a keyframe every 20 frames, each payload numbered by a counter;
 * `restart` makes the stream continue as a restarted sender would: sequence numbers and
 * timestamps from somewhere else, starting with a keyframe.
 */
function startH264Source(send: (datagram: Buffer) => Promise<void>) {
  let seq = 1000;
  let ts = 5000;
  let counter = 0;
  let frame = 0;
  const keyframeStarts = new Set<number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const keyframe = frame % 20 === 0;
      if (keyframe) keyframeStarts.add(counter);
      const payloads = h264Frame(keyframe, () => counter++);
      for (let i = 0; i < payloads.length; i++) await send(rtp(seq++, ts, i === payloads.length - 1, payloads[i]!));
      frame += 1;
      ts += 3000;
      await new Promise((r) => setTimeout(r, 33));
    }
  })();
  return {
    keyframeStarts,
    counter: () => counter,
    restart(seqJump: number, tsJump: number) {
      seq += seqJump;
      ts += tsJump;
      frame = 0;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** A node with an H264 RTP ingest path "cam2", a client process for viewers, and a sender to the path's port. */
async function h264IngestPath(t: TestContext) {
  const rtpPort = await freeUdpPort();
  const node = await startMediaNode({
    config: { paths: [{ name: "cam2", source: { rtp: { host: "127.0.0.1", port: rtpPort, codec: "H264", payloadType: PT, clockRate: 90000 } } }] },
  });
  t.after(() => node.stop());
  const clients = await startClientProcess();
  t.after(() => clients.stop());
  const sender = createSocket("udp4");
  t.after(() => sender.close());
  const send = (datagram: Buffer) => new Promise<void>((resolve) => sender.send(datagram, rtpPort, "127.0.0.1", () => resolve()));
  return { node, clients, send };
}

test("RTP ingest: a WHEP viewer starts at a keyframe; garbage and truncated RTP are counted and dropped", { timeout: 60_000 }, async (t) => {
  const { node, clients, send } = await h264IngestPath(t);

  const generator = startH264Source(send);
  t.after(() => generator.stop());
  const { keyframeStarts } = generator;

  // Let a few frames pass so the viewer very likely joins mid-GOP.
  await new Promise((r) => setTimeout(r, 400));
  const paths = (await (await fetch(`${node.httpUrl}/v1/paths`)).json()) as { paths: Array<Record<string, unknown>> };
  assert.equal(paths.paths[0]!.publisherType, "rtp");
  assert.deepEqual(paths.paths[0]!.codecs, ["H264"]);

  const vp8Only = await clients.view({ id: "vp8", url: `${node.httpUrl}/cam2/whep`, videoCodecs: ["VP8"] });
  assert.equal(vp8Only.status, 400, "a viewer that cannot take the ingest codec is refused");
  assert.equal(JSON.parse(vp8Only.body).error, "UNSUPPORTED_CODEC");

  const offerH264 = await clients.view({ id: "v", url: `${node.httpUrl}/cam2/whep` });
  assert.equal(offerH264.status, 201, offerH264.body);
  assert.match(offerH264.body, /H264\/90000/i, "the answer carries the ingest codec");
  await clients.waitConnected("v");

  // Bad datagrams on the ingest port, while media flows.
  const garbage = [
    Buffer.from("definitely not rtp"),
    Buffer.from([0x80, 0x60, 0x00]), // truncated header
    Buffer.from([0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x65]), // version 1
    Buffer.from([0x9f, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x65]), // 15 CSRCs announced, none present
    Buffer.from([0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x09]), // extension longer than the datagram
    Buffer.from([0xa0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x65, 0xff]), // padding longer than the payload
    rtp(1, 1, false, Buffer.from([0x65, 0x01])).fill(0x80 | 97, 1, 2), // wrong payload type
  ];
  for (const datagram of garbage) await send(datagram);

  const deadline = Date.now() + 10_000;
  let packets = (await clients.report("v")).packets;
  while (packets.length < 60 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    packets = (await clients.report("v")).packets;
  }
  assert.ok(packets.length >= 60, `viewer got ${packets.length} packets`);
  // The client records the pattern counter from the last 4 payload bytes of each packet.
  const firstCounter = packets[0]![3];
  assert.ok(keyframeStarts.has(firstCounter), `the first forwarded packet (counter ${firstCounter}) starts a keyframe`);
  const counters = packets.map((p) => p[3]);
  assert.deepEqual(counters, counters.map((_, i) => firstCounter + i), "then every packet in order");

  const malformed = await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="rtp"'));
  assert.equal(malformed, garbage.length, "each bad datagram counted once");
  for (const reason of ["too-short", "bad-version", "csrc-overflow", "extension-overflow", "bad-padding", "payload-type"]) {
    assert.ok((await node.metric("mediafleet_malformed_input_total", (l) => l.includes(`reason="${reason}"`))) >= 1, reason);
  }
  assert.ok((await node.metric("mediafleet_rtp_packets_received_total")) > 60);
  assert.equal((await fetch(`${node.httpUrl}/healthz`)).status, 200);
});

test("--demo adds a test-pattern path: a viewer gets VP8 from a keyframe on, in order, with no publisher process", { timeout: 60_000 }, async (t) => {
  const node = await startMediaNode({ args: ["--demo"] });
  t.after(() => node.stop());
  const clients = await startClientProcess();
  t.after(() => clients.stop());
  const paths = (await (await fetch(`${node.httpUrl}/v1/paths`)).json()) as { paths: Array<Record<string, unknown>> };
  const demo = paths.paths.find((p) => p.name === "demo")!;
  assert.equal(demo.publisherType, "testPattern");
  assert.equal(demo.publisher, true);

  const started = Date.now();
  const res = await clients.view({ id: "v", url: `${node.httpUrl}/demo/whep` });
  assert.equal(res.status, 201, res.body);
  const connectMs = await clients.waitConnected("v");
  t.diagnostic(`demo viewer: POST->201 + ICE/DTLS connected in ${Date.now() - started} ms (client-measured connect ${connectMs} ms)`);
  const deadline = Date.now() + 10_000;
  let packets = (await clients.report("v")).packets;
  while (packets.length < 250 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    packets = (await clients.report("v")).packets;
  }
  assert.ok(packets.length >= 250, `viewer got ${packets.length} packets`);
  assert.equal(packets[0]![4], 1, "the first packet starts a VP8 keyframe");
  // The demo plays the decodable clip (no payload counter): order shows in the rewritten sequence numbers.
  const seqs = packets.map((p) => p[0]);
  assert.deepEqual(seqs, seqs.map((_, i) => (seqs[0]! + i) & 0xffff), "every packet, in order");
});

test("RTP ingest restarted with its sequence numbers 20 000 back: the viewer keeps receiving, its numbering contiguous", { timeout: 60_000 }, async (t) => {
  const { node, clients, send } = await h264IngestPath(t);
  const generator = startH264Source(send);
  t.after(() => generator.stop());

  assert.equal((await clients.view({ id: "v", url: `${node.httpUrl}/cam2/whep` })).status, 201);
  await clients.waitConnected("v");
  const received = (atLeast: number, what: string) =>
    poll(async () => (await clients.report("v")).packets, (packets) => packets.length >= atLeast, 10_000, `${atLeast} packets ${what}`);
  const before = (await received(40, "before the restart")).length;
  // Backwards: without a rebase these would go out under SRTP indexes already used, and the
  // viewer's replay protection (or the node's protector) would drop them for ~20 000 packets.
  const restartCounter = generator.counter();
  generator.restart(-20_000, 123_456_789);
  const packets = await received(before + 60, "after the restart");
  const seqs = packets.map((p) => p[0]);
  assert.deepEqual(seqs, seqs.map((_, i) => (seqs[0]! + i) & 0xffff), "viewer sequence numbers stay contiguous across the restart");
  assert.ok(packets.some((p) => p[3] >= restartCounter + 40), "packets sent after the restart arrive");
  assert.equal(await node.metric("mediafleet_source_restarts_total", (l) => l.includes('path="cam2"')), 1);
});

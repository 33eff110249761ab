import test from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { candidatesToPort, isRtp, seededRandom, startLossyRelay, withoutCandidates } from "./lossyRelay.js";

test("seededRandom -> same seed, same sequence; uniform enough for a 5% drop", () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 20000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  const dropped = xs.filter((x) => x < 0.05).length / xs.length;
  assert.ok(dropped > 0.045 && dropped < 0.055, `drop fraction ${dropped}`);
});

test("isRtp -> RTP yes; RTCP, STUN, DTLS no", () => {
  const rtp = Buffer.alloc(20); rtp[0] = 0x80; rtp[1] = 96;
  const rtcp = Buffer.alloc(20); rtcp[0] = 0x81; rtcp[1] = 200;
  const stun = Buffer.alloc(20); stun[0] = 0x00; stun[1] = 0x01;
  const dtls = Buffer.alloc(20); dtls[0] = 22;
  assert.equal(isRtp(rtp), true);
  assert.equal(isRtp(rtcp), false);
  assert.equal(isRtp(stun), false);
  assert.equal(isRtp(dtls), false);
});

test("SDP rewrite -> offer loses candidates, answer's node port becomes the relay port", () => {
  const offer = "v=0\r\na=candidate:1 1 udp 2122 abc.local 5000 typ host\r\na=end-of-candidates\r\na=mid:0";
  assert.equal(withoutCandidates(offer), "v=0\r\na=mid:0");
  const answer = "a=candidate:1 1 udp 2130706431 127.0.0.1 8118 typ host\r\na=candidate:2 1 udp 1 127.0.0.1 9999 typ host";
  assert.equal(candidatesToPort(answer, 8118, 4000),
    "a=candidate:1 1 udp 2130706431 127.0.0.1 4000 typ host\r\na=candidate:2 1 udp 1 127.0.0.1 9999 typ host");
});

test("startLossyRelay -> forwards both ways, drops only RTP towards the client", async (t) => {
  const node = createSocket("udp4");
  await new Promise<void>((r) => node.bind(0, "127.0.0.1", () => r()));
  const nodePort = node.address().port;
  // The fake node answers each datagram with 10 RTP packets and one RTCP packet.
  node.on("message", (_msg, from) => {
    for (let i = 0; i < 10; i++) node.send(Buffer.from([0x80, 96, 0, i, ...Array(16).fill(0)]), from.port, from.address);
    node.send(Buffer.from([0x81, 200, ...Array(18).fill(0)]), from.port, from.address);
  });
  const relay = await startLossyRelay({ nodePort, seed: 7, dropFraction: 0.05 });
  const client = createSocket("udp4");
  await new Promise<void>((r) => client.bind(0, "127.0.0.1", () => r()));
  t.after(async () => { await relay.close(); node.close(); client.close(); });
  let rtp = 0; let rtcp = 0;
  client.on("message", (m) => (isRtp(m) ? rtp++ : rtcp++));
  // Paced, so loopback socket buffers never overflow and every loss is the relay's.
  for (let i = 0; i < 100; i++) {
    client.send(Buffer.from([0, 1, 0, 0]), relay.port, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 2));
  }
  const deadline = Date.now() + 5000;
  while (rtp + relay.counters.droppedRtp < 1000 || rtcp < 100) {
    assert.ok(Date.now() < deadline, `relay stalled: ${JSON.stringify(relay.counters)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(relay.counters.toNode, 100);
  assert.equal(rtcp, 100, "RTCP is never dropped");
  assert.equal(rtp + relay.counters.droppedRtp, 1000);
  assert.ok(relay.counters.droppedRtp > 20 && relay.counters.droppedRtp < 90, `dropped ${relay.counters.droppedRtp}`);
});

/**
 * Fuzzing a real media-node process over loopback (test/fuzz/nodeTargets.ts): mutated WHIP
 * and WHEP offers, trickle PATCHes, datagrams on the ICE port and on an RTP ingest port.
 * Bounded here (fixed seed, a few hundred cases per target); `npm run fuzz` runs it long.
 * The node must answer every bad input with a 4xx (503 allowed), count it, log no error and
 * stay up.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { OFFERS } from "../fuzz/corpus.js";
import { startNodeFuzz } from "../fuzz/nodeTargets.js";

const SEED = Number(process.env.MEDIAFLEET_FUZZ_SEED ?? 20261210);

test("issue #10's offer (an m-section without a=mid) -> 400 MALFORMED_SDP naming it, counted; a TCP-only offer -> 201, not 500", { timeout: 60_000 }, async (t) => {
  const fuzz = await startNodeFuzz();
  t.after(() => fuzz.stop());
  const issue = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 98\r\na=mid:0\r\na=rtpmap:98 VP8/90000\r\nm=video 9 UDP/TLS/RTP/SAVPF 98\r\n";
  const malformedBefore = await fuzz.node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdp"'));
  for (const endpoint of ["/cam/whep", "/pub/whip"]) {
    const res = await fetch(`${fuzz.node.httpUrl}${endpoint}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: issue });
    const body = (await res.json()) as { error: string; message: string };
    assert.equal(res.status, 400, `${endpoint}: ${JSON.stringify(body)}`);
    assert.equal(body.error, "MALFORMED_SDP");
    assert.match(body.message, /m-section at line 5 \("m=video 9 UDP\/TLS\/RTP\/SAVPF 98"\) has no a=mid/);
  }
  assert.equal((await fuzz.node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdp"'))) - malformedBefore, 2);

  // Found by the fuzzer: a valid offer whose candidates werift cannot pair (here TCP only) plus
  // a=end-of-candidates made werift fail ICE at once; the publisher ended mid-negotiation -> 500.
  const tcpOnly = OFFERS.weriftPublisher.replaceAll(" udp ", " tcp ");
  const res = await fetch(`${fuzz.node.httpUrl}/pub/whip`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: tcpOnly });
  assert.equal(res.status, 201, await res.text());
  assert.equal((await fetch(`${fuzz.node.httpUrl}${res.headers.get("location")}`, { method: "DELETE" })).status, 200);
  assert.deepEqual(fuzz.logProblems(), []);
});

test("fuzz a real node: offers, PATCHes, ICE and ingest datagrams -> never a 5xx, every refusal counted, node up", { timeout: 240_000 }, async (t) => {
  const fuzz = await startNodeFuzz();
  t.after(() => fuzz.stop());
  for (const target of fuzz.targets) {
    const verdicts: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (input) => {
        const outcome = await target.run(input);
        if (outcome.verdict === "crash" || outcome.verdict === "5xx") throw new Error(`${target.name}: ${outcome.verdict}: ${outcome.detail}`);
        verdicts[outcome.verdict] = (verdicts[outcome.verdict] ?? 0) + 1;
      }),
      { numRuns: target.unitRuns, seed: SEED },
    );
    t.diagnostic(`${target.name}: ${JSON.stringify(verdicts)}`);
  }
  assert.deepEqual(await fuzz.counterProblems(), []);
  assert.deepEqual(fuzz.logProblems(), []);
  assert.equal(fuzz.node.child.process.exitCode, null, "the node is still running");
  assert.equal((await fetch(`${fuzz.node.httpUrl}/healthz`)).status, 200);
  assert.equal(await fuzz.node.metric("mediafleet_http_requests_total", (l) => /status="5\d\d"/.test(l) && !l.includes('status="503"')), 0);
});

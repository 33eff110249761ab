import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSdpFragment } from "./sdpfrag.js";
import { HttpError } from "./errors.js";

test("parseSdpFragment reads credentials, candidates with their mid, and end-of-candidates", () => {
  const body = [
    "a=ice-ufrag:EsAw",
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1",
    "m=audio 9 RTP/AVP 0",
    "a=mid:0",
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 50000 typ host",
    "a=end-of-candidates",
  ].join("\r\n");
  const fragment = parseSdpFragment(body);
  assert.equal(fragment.ufrag, "EsAw");
  assert.equal(fragment.pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
  assert.deepEqual(fragment.candidates, [{ candidate: "candidate:1 1 UDP 2130706431 127.0.0.1 50000 typ host", sdpMid: "0", sdpMLineIndex: 0 }]);
  assert.equal(fragment.endOfCandidates, true);
});

test("parseSdpFragment rejects a body that is not SDP lines", () => {
  assert.throws(() => parseSdpFragment("{\"candidate\": 1}"), (e) => e instanceof HttpError && e.code === "BAD_SDPFRAG");
});

test("parseSdpFragment -> BAD_SDPFRAG naming the line for a candidate werift would misread", () => {
  const refused = (body: string) => {
    try {
      parseSdpFragment(body);
    } catch (error) {
      assert.ok(error instanceof HttpError && error.code === "BAD_SDPFRAG" && error.status === 400);
      return error.message;
    }
    return "accepted";
  };
  // werift's Candidate.fromSdp throws "SDP does not have enough properties" (then swallowed: the PATCH said 204)
  assert.match(refused("a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1\r\n"), /line 2 "a=candidate:1 1 udp 2130706431 127.0.0.1": a=candidate needs/);
  // werift reads Number("21221946𞟾7") as NaN and pairs it anyway
  assert.match(refused("a=candidate:1 1 udp 21221946\u{1e7fe}7 127.0.0.1 9 typ host\r\n"), /a=candidate priority/);
  assert.match(refused("a=candidate:1 1 udp 1 127.0.0.1 70000 typ host\r\n"), /a=candidate port "70000" must be 1-65535/);
  assert.match(refused("a=candidate:1  1 udp 1 127.0.0.1 9 typ host\r\n"), /a=candidate needs/, "werift splits on single spaces");
  assert.match(refused("a=ice-ufrag:a b\r\n"), /a=ice-ufrag must be 4-256 ice-chars/);
  assert.match(refused("m=audio\r\n"), /an m-line is/);
  assert.match(refused("a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n".repeat(33)), /line 33 .*more than 32 candidates/);
  assert.match(refused("a=end-of-candidates\r\na=mid:0\u0000\r\n"), /line 2 contains the control character U\+0000/);
  assert.equal(refused("a=candidate:1 1 udp 1 0f2a6c7e-1b0a-4e67-9a3c-1e7e8b1f0a11.local 9 typ host generation 0\r\n"), "accepted");
});

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

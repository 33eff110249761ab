import { test } from "node:test";
import assert from "node:assert/strict";
import { stripNackFeedback } from "./sdpPolicy.js";

test("stripNackFeedback removes plain nack, keeps nack pli and other feedback", () => {
  const sdp = ["m=video 9 UDP/TLS/RTP/SAVPF 98", "a=rtpmap:98 VP8/90000", "a=rtcp-fb:98 nack", "a=rtcp-fb:98 nack pli", "a=rtcp-fb:98 goog-remb", "a=rtcp-fb:* nack", ""].join("\r\n");
  const out = stripNackFeedback(sdp);
  assert.equal(out, ["m=video 9 UDP/TLS/RTP/SAVPF 98", "a=rtpmap:98 VP8/90000", "a=rtcp-fb:98 nack pli", "a=rtcp-fb:98 goog-remb", ""].join("\r\n"));
});

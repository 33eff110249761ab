import { test } from "node:test";
import assert from "node:assert/strict";
import { assertUsableOffer, parseOfferMedia } from "./sdp-offer.js";
import { HttpError } from "../http/errors.js";

const offer = (media: string) =>
  ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", ...media.split("\n")].join("\r\n") + "\r\n";

const VIDEO = "m=video 9 UDP/TLS/RTP/SAVPF 96 97\na=rtpmap:96 VP8/90000\na=rtpmap:97 H264/90000";
const AUDIO = "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2";
const accepts = (kind: string, name: string) => (kind === "video" ? ["vp8", "h264"] : ["opus"]).includes(name.toLowerCase());

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error.code;
  }
  return "ok";
};

test("parseOfferMedia lists each m-line with its rtpmap codecs", () => {
  const media = parseOfferMedia(offer(`${VIDEO}\n${AUDIO}`));
  assert.deepEqual(media.map((m) => [m.kind, m.codecs.map((c) => c.name)]), [["video", ["VP8", "H264"]], ["audio", ["opus"]]]);
  assert.equal(media[1]!.codecs[0]!.clockRate, 48000);
});

test("not SDP -> MALFORMED_SDP; no audio/video -> SDP_WITHOUT_MEDIA; only foreign codecs -> UNSUPPORTED_CODEC", () => {
  assert.equal(codeOf(() => assertUsableOffer("hello world", accepts)), "MALFORMED_SDP");
  assert.equal(codeOf(() => assertUsableOffer("v=0\r\nthis is not sdp\r\n", accepts)), "MALFORMED_SDP");
  assert.equal(codeOf(() => assertUsableOffer(offer("m=video x UDP 96"), accepts)), "MALFORMED_SDP");
  assert.equal(codeOf(() => assertUsableOffer(offer(""), accepts)), "SDP_WITHOUT_MEDIA");
  assert.equal(codeOf(() => assertUsableOffer(offer("m=application 9 UDP/DTLS/SCTP webrtc-datachannel"), accepts)), "SDP_WITHOUT_MEDIA");
  assert.equal(codeOf(() => assertUsableOffer(offer("m=video 9 UDP/TLS/RTP/SAVPF 98\na=rtpmap:98 VP9/90000"), accepts)), "UNSUPPORTED_CODEC");
  assert.equal(codeOf(() => assertUsableOffer(offer(`${VIDEO}\n${AUDIO}`), accepts)), "ok");
});

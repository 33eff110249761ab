import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { assertUsableOffer, MAX_MEDIA_SECTIONS, parseOfferMedia, validateOffer } from "./sdpOffer.js";
import { HttpError, toHttpError } from "../http/errors.js";

const TRANSPORT = ["a=ice-ufrag:abcd", "a=ice-pwd:0123456789abcdef01234567", "a=fingerprint:sha-256 00:11:22", "a=setup:actpass"];
const offer = (media: string) => ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", ...TRANSPORT, ...media.split("\n")].join("\r\n") + "\r\n";

const VIDEO = "m=video 9 UDP/TLS/RTP/SAVPF 96 97\na=mid:0\na=rtpmap:96 VP8/90000\na=rtpmap:97 H264/90000";
const AUDIO = "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:1\na=rtpmap:111 opus/48000/2";
const accepts = (kind: string, name: string) => (kind === "video" ? ["vp8", "h264"] : ["opus"]).includes(name.toLowerCase());

/** [code, message] of what validateOffer throws, or ["ok", ""]. */
const refusal = (fn: () => unknown): [string, string] => {
  try {
    fn();
  } catch (thrown) {
    // As the route answers it: a refusal maps to its HttpError, anything else to INTERNAL.
    const error = toHttpError(thrown);
    assert.ok(error instanceof HttpError, `not an HttpError: ${String(error)}`);
    assert.equal(error.status, 400, `answered ${error.status}: ${String(thrown)}`);
    return [error.code, error.message];
  }
  return ["ok", ""];
};

test("parseOfferMedia lists each m-line with its mid and rtpmap codecs", () => {
  const media = parseOfferMedia(offer(`${VIDEO}\n${AUDIO}`));
  assert.deepEqual(media.map((m) => [m.kind, m.mid, m.codecs.map((c) => c.name)]), [["video", "0", ["VP8", "H264"]], ["audio", "1", ["opus"]]]);
  assert.equal(media[1]!.codecs[0]!.clockRate, 48000);
});

test("not SDP -> MALFORMED_SDP; no audio/video -> SDP_WITHOUT_MEDIA; only foreign codecs -> UNSUPPORTED_CODEC", () => {
  assert.equal(refusal(() => assertUsableOffer("hello world", accepts))[0], "MALFORMED_SDP");
  assert.equal(refusal(() => assertUsableOffer("v=0\r\nthis is not sdp\r\n", accepts))[0], "MALFORMED_SDP");
  assert.equal(refusal(() => assertUsableOffer(offer("m=video x UDP 96"), accepts))[0], "MALFORMED_SDP");
  assert.equal(refusal(() => assertUsableOffer(offer(""), accepts))[0], "SDP_WITHOUT_MEDIA");
  assert.equal(refusal(() => assertUsableOffer(offer("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\na=mid:0"), accepts))[0], "SDP_WITHOUT_MEDIA");
  assert.equal(refusal(() => assertUsableOffer(offer("m=video 0 UDP/TLS/RTP/SAVPF 96\na=mid:0\na=rtpmap:96 VP8/90000"), accepts))[0], "SDP_WITHOUT_MEDIA");
  assert.equal(refusal(() => assertUsableOffer(offer("m=video 9 UDP/TLS/RTP/SAVPF 98\na=mid:0\na=rtpmap:98 VP9/90000"), accepts))[0], "UNSUPPORTED_CODEC");
  assert.equal(refusal(() => assertUsableOffer(offer(`${VIDEO}\n${AUDIO}`), accepts))[0], "ok");
});

test("issue #10: an m-section without a=mid (werift: 'Transceiver with mid=undefined not found') -> 400 naming the section", () => {
  const issue = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 98\r\na=mid:0\r\na=rtpmap:98 VP8/90000\r\nm=video 9 UDP/TLS/RTP/SAVPF 98\r\n";
  const [code, message] = refusal(() => validateOffer(issue));
  assert.equal(code, "MALFORMED_SDP");
  assert.match(message, /m-section at line 5 \("m=video 9 UDP\/TLS\/RTP\/SAVPF 98"\) has no a=mid/);
  const [, withTransport] = refusal(() => validateOffer(offer("m=video 9 UDP/TLS/RTP/SAVPF 98\na=mid:0\na=rtpmap:98 VP8/90000\nm=video 9 UDP/TLS/RTP/SAVPF 98")));
  assert.match(withTransport, /m-section at line 12 \("m=video 9 UDP\/TLS\/RTP\/SAVPF 98"\) has no a=mid/);
});

test("each defect -> MALFORMED_SDP with a reason naming the line and the field", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["duplicate mid", `${VIDEO}\n${AUDIO.replace("a=mid:1", "a=mid:0")}`, /a=mid:0 is used by another m-section/],
    ["two a=mid in one section", `${VIDEO}\na=mid:2`, /line 13 "a=mid:2": a second a=mid/],
    ["fmtp without rtpmap (werift: TypeError)", `${VIDEO}\na=fmtp:98 apt=96`, /a=fmtp names payload type 98, which has no a=rtpmap/],
    ["rtpmap for a payload type not on the m-line", `${VIDEO}\na=rtpmap:100 VP8/90000`, /payload type 100 is not listed/],
    ["VP8 at the wrong clock (werift: NotSupportedError)", "m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:0\na=rtpmap:96 VP8/9000", /a=rtpmap VP8 runs at 90000 Hz, not 9000/],
    ["candidate port 0", `${VIDEO}\na=candidate:1 1 udp 2130706431 127.0.0.1 0 typ host`, /a=candidate port "0" must be 1-65535/],
    ["candidate with a DNS name", `${VIDEO}\na=candidate:1 1 udp 2130706431 example.com 9 typ host`, /must be an IP address or an mDNS .local name/],
    ["candidate cut short (werift: 'not enough properties')", `${VIDEO}\na=candidate:1 1 udp 2130706431 127.0.0.1`, /a=candidate needs/],
    ["rtcp-fb without a value (werift: TypeError)", `${VIDEO}\na=rtcp-fb`, /a=rtcp-fb must be/],
    ["group without a value (werift: TypeError)", `a=group\n${VIDEO}`, /a=group must be <semantics>/],
    ["setup holdconn", `${VIDEO}\na=setup:holdconn`, /a=setup "holdconn" must be actpass, active or passive/],
    ["no fingerprint anywhere", "", /./],
    ["m=text", "m=text 9 UDP/TLS/RTP/SAVPF 96\na=mid:0", /media type "text" is not supported/],
    ["port with a count (werift: 'm line not found')", "m=video 9/2 UDP/TLS/RTP/SAVPF 96\na=mid:0", /port "9\/2" must be 0-65535/],
    ["plain RTP proto", "m=video 9 RTP/AVP 96\na=mid:0", /proto "RTP\/AVP" must be UDP\/TLS\/RTP\/SAVPF/],
    ["a control character", `${VIDEO}\na=x\u0001y`, /line 13 contains the control character U\+0001/],
    ["a type letter SDP does not have", `${VIDEO}\nx=1`, /line 13 "x=1": "x=" does not belong in an m-section/],
    ["v= twice", `${VIDEO}\nv=0`, /v= may appear only once/],
    ["short a=ice-pwd", `${VIDEO}\na=ice-pwd:short`, /a=ice-pwd must be 22-256 ice-chars/],
    ["a=rtcp that werift cannot read", `${VIDEO}\na=rtcp:9 IN`, /a=rtcp must be <port>/],
  ];
  for (const [what, media, reason] of cases) {
    const body = what === "no fingerprint anywhere" ? "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\na=setup:actpass\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n" : offer(media);
    const [code, message] = refusal(() => validateOffer(body));
    assert.equal(code, "MALFORMED_SDP", `${what}: ${message}`);
    assert.match(message, what === "no fingerprint anywhere" ? /has no a=fingerprint/ : reason, what);
  }
  const many = Array.from({ length: MAX_MEDIA_SECTIONS + 1 }, (_, i) => `m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:${i}\na=rtpmap:96 VP8/90000`).join("\n");
  assert.match(refusal(() => validateOffer(offer(many)))[1], /more than 16 m-sections/);
});

test("real offers (Chromium 156, werift 0.25.2) pass unchanged; LF or mixed line ends come back as CRLF", () => {
  for (const name of ["chromium-publisher", "chromium-viewer", "werift-publisher", "werift-viewer"]) {
    const sdp = readFileSync(new URL(`../../test/fuzz/corpus/${name}.sdp`, import.meta.url), "utf8").replace(/\r?\n/g, "\r\n");
    assert.equal(validateOffer(sdp).sdp, sdp, name);
  }
  const crlf = offer(`${VIDEO}\n${AUDIO}`);
  assert.equal(validateOffer(crlf.replaceAll("\r\n", "\n")).sdp, crlf);
  assert.equal(validateOffer(crlf.replace("\r\n", "\n")).sdp, crlf, "mixed: werift would split on CRLF only and see one long line");
  assert.equal(validateOffer(`\uFEFF${crlf}`).sdp, crlf);
});

test("a=rtcp:<port> without an address (RFC 3605, werift throws on it) is valid and left out of what werift reads", () => {
  const checked = validateOffer(offer(`${VIDEO}\na=rtcp:9\n${AUDIO}\na=rtcp:9 IN IP4 0.0.0.0`)).sdp;
  assert.ok(!checked.includes("a=rtcp:9\r\n"));
  assert.ok(checked.includes("a=rtcp:9 IN IP4 0.0.0.0\r\n"));
});

test("a=end-of-candidates after candidates werift cannot pair (TCP, component 2, prflx) is withheld, so ICE does not fail mid-negotiation", () => {
  const withCandidate = (candidate: string) => offer(`${VIDEO}\na=candidate:${candidate}\na=end-of-candidates`);
  for (const unpairable of ["1 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active", "1 2 udp 2130706431 127.0.0.1 5000 typ host", "1 1 udp 2130706431 127.0.0.1 5000 typ prflx"]) {
    assert.ok(!validateOffer(withCandidate(unpairable)).sdp.includes("a=end-of-candidates"), unpairable);
  }
  assert.ok(!validateOffer(offer(`${VIDEO}\na=end-of-candidates`)).sdp.includes("a=end-of-candidates"), "no candidate at all");
  assert.ok(validateOffer(withCandidate("1 1 udp 2130706431 127.0.0.1 5000 typ host")).sdp.includes("a=end-of-candidates\r\n"));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptCandidateLine, candidateAddress, isMdnsHostname, prepareRemoteSdp } from "./sdpCandidates.js";

const MDNS = "a=candidate:1 1 udp 2122260223 3f0c5a4e-1c2b-4c1e-9a57-0e2b1d0c6f11.local 54321 typ host generation 0";
const HOST = "a=candidate:2 1 udp 2122260223 192.0.2.10 54322 typ host generation 0";
const sdp = (...lines: string[]) => ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0", ...lines, ""].join("\r\n");

test("isMdnsHostname -> .local names only", () => {
  assert.equal(isMdnsHostname("abc.local"), true);
  assert.equal(isMdnsHostname("ABC.LOCAL."), true);
  assert.equal(isMdnsHostname("192.0.2.1"), false);
  assert.equal(isMdnsHostname("local.example.com"), false);
});

test("candidateAddress -> address field with or without a= prefix, undefined when short", () => {
  assert.equal(candidateAddress(HOST), "192.0.2.10");
  assert.equal(candidateAddress(HOST.slice(2)), "192.0.2.10");
  assert.equal(candidateAddress("a=candidate:1 1 udp"), undefined);
  assert.equal(candidateAddress("a=end-of-candidates"), undefined);
});

test("prepareRemoteSdp off, only .local candidates -> all dropped and end-of-candidates withheld", () => {
  const r = prepareRemoteSdp(sdp(MDNS, MDNS.replace("54321", "54329"), "a=end-of-candidates"), "off");
  assert.equal(r.droppedMdnsCandidates, 2);
  assert.equal(r.withheldEndOfCandidates, true);
  assert.doesNotMatch(r.sdp, /\.local/);
  assert.doesNotMatch(r.sdp, /end-of-candidates/);
  assert.match(r.sdp, /\r\nm=application 9/);
  assert.ok(r.sdp.endsWith("\r\n"));
});

test("prepareRemoteSdp off, a usable candidate left -> .local dropped, end-of-candidates kept", () => {
  const r = prepareRemoteSdp(sdp(MDNS, HOST, "a=end-of-candidates"), "off");
  assert.deepEqual([r.droppedMdnsCandidates, r.withheldEndOfCandidates], [1, false]);
  assert.match(r.sdp, /192\.0\.2\.10/);
  assert.match(r.sdp, /a=end-of-candidates/);
});

test("prepareRemoteSdp off, no candidates and no end marker -> unchanged", () => {
  const input = sdp("a=setup:actpass");
  assert.deepEqual(prepareRemoteSdp(input, "off"), { sdp: input, droppedMdnsCandidates: 0, withheldEndOfCandidates: false });
});

test("prepareRemoteSdp shared/perConnection -> unchanged (the resolver handles .local)", () => {
  const input = sdp(MDNS, "a=end-of-candidates");
  for (const mode of ["shared", "perConnection"] as const) {
    assert.deepEqual(prepareRemoteSdp(input, mode), { sdp: input, droppedMdnsCandidates: 0, withheldEndOfCandidates: false });
  }
});

test("acceptCandidateLine -> false only for .local while off", () => {
  assert.equal(acceptCandidateLine(MDNS, "off"), false);
  assert.equal(acceptCandidateLine(MDNS.slice(2), "off"), false);
  assert.equal(acceptCandidateLine(HOST, "off"), true);
  assert.equal(acceptCandidateLine(MDNS, "shared"), true);
  assert.equal(acceptCandidateLine(MDNS, "perConnection"), true);
});

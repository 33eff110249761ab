import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfigText } from "./load.js";
import { parseDuration } from "../../common/duration.js";

const DESIGN_EXAMPLE = `
http: { listen: "127.0.0.1:8117" }
metrics: { listen: "127.0.0.1:9998" }
pprof: { listen: "127.0.0.1:9999" }
webrtc:
  udpPort: 8118
  ipsFromInterfaces: false
  additionalHosts: ["127.0.0.1"]
  iceServers: []
  nack: { mode: shared, historyPackets: 512 }
  mdns: { mode: "off" }
  rtcpReportInterval: 1s
paths:
  - name: cam1
  - name: cam2
    source: { rtp: { port: 5004, codec: H264, payloadType: 96, clockRate: 90000 } }
`;

test("the DESIGN.md example is accepted as written and defaults are filled", () => {
  const config = parseConfigText(DESIGN_EXAMPLE);
  assert.equal(config.webrtc.nack.mode, "shared");
  assert.equal(config.webrtc.udpHost, "0.0.0.0");
  assert.equal(config.paths[0]!.waitForPublisher, false);
  assert.equal(config.paths[1]!.source!.rtp!.host, "0.0.0.0");
  assert.equal(config.http.maxBodyBytes, 65536);
});

test("an empty file yields the documented defaults", () => {
  const config = parseConfigText("");
  assert.equal(config.webrtc.udpPort, 8118);
  assert.equal(config.webrtc.mdns.mode, "off");
  assert.equal(config.webrtc.rtcpReportInterval, "1s");
  assert.deepEqual(config.webrtc.iceServers, []);
});

test("a bad enum is reported with its field path and the allowed values", () => {
  assert.throws(
    () => parseConfigText("webrtc: { nack: { mode: sometimes } }"),
    (error: unknown) => error instanceof ConfigError && /webrtc\.nack\.mode: .*shared, perViewer, off/.test(error.message),
  );
});

test("a history size that is not a power of two names the allowed sizes", () => {
  assert.throws(() => parseConfigText("webrtc: { nack: { historyPackets: 500 } }"), /webrtc\.nack\.historyPackets: .*512, 1024/);
});

test("an unknown key is rejected with its path", () => {
  assert.throws(() => parseConfigText("webrtc: { nak: {} }"), /webrtc\.nak: unknown key/);
});

test("a bad duration and a duplicate rtp port are both reported", () => {
  assert.throws(() => parseConfigText("webrtc: { rtcpReportInterval: soon }"), /webrtc\.rtcpReportInterval: must match pattern/);
  const dup = "paths: [{name: a, source: {rtp: {port: 5004, codec: VP8}}}, {name: b, source: {rtp: {port: 5004, codec: Opus}}}]";
  assert.throws(() => parseConfigText(dup), /paths\.1\.source\.rtp\.port: port 5004 already used/);
});

test("env overrides apply after the file and are validated like it", () => {
  const config = parseConfigText("webrtc: { nack: { mode: off } }", {
    MEDIA_NODE_NACK_MODE: "perViewer",
    MEDIA_NODE_ADDITIONAL_HOSTS: "127.0.3.4, 10.0.0.1",
    MEDIA_NODE_IPS_FROM_INTERFACES: "false",
    MEDIA_NODE_UDP_PORT: "9000",
  });
  assert.equal(config.webrtc.nack.mode, "perViewer");
  assert.deepEqual(config.webrtc.additionalHosts, ["127.0.3.4", "10.0.0.1"]);
  assert.equal(config.webrtc.udpPort, 9000);
  assert.throws(() => parseConfigText("", { MEDIA_NODE_UDP_PORT: "many" }), /webrtc\.udpPort: must be integer/);
});

test("ipsFromInterfaces false without additionalHosts is refused", () => {
  assert.throws(() => parseConfigText("webrtc: { ipsFromInterfaces: false }"), /webrtc\.additionalHosts: must list at least one host/);
});

test("parseDuration reads Go-style durations and rejects others", () => {
  assert.equal(parseDuration("1s"), 1000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.throws(() => parseDuration("3 s"));
  assert.throws(() => parseDuration(""));
});

test("a path may use a test pattern source but not together with rtp", () => {
  const config = parseConfigText("paths: [{name: demo, source: {testPattern: {}}}]");
  assert.equal(config.paths[0]!.source!.testPattern!.fps, 30);
  assert.throws(() => parseConfigText("paths: [{name: d, source: {testPattern: {}, rtp: {port: 5004, codec: VP8}}}]"), /paths\.0\.source: rtp and testPattern are exclusive/);
});

test("a path's token comes from the file or from the config, never both; token files are absolute paths", () => {
  const config = parseConfigText("paths: [{name: a, publishToken: p, readTokenFile: /var/run/tokens/read}]");
  assert.equal(config.paths[0]!.readTokenFile, "/var/run/tokens/read");
  assert.throws(() => parseConfigText("paths: [{name: a}, {name: b, readToken: r, readTokenFile: /t/read}]"), /paths\.1\.readTokenFile: readToken and readTokenFile are exclusive/);
  assert.throws(() => parseConfigText("paths: [{name: a, publishToken: p, publishTokenFile: /t/pub}]"), /paths\.0\.publishTokenFile: publishToken and publishTokenFile are exclusive/);
  assert.throws(() => parseConfigText("paths: [{name: a, readTokenFile: tokens/read}]"), /paths\.0\.readTokenFile: must match pattern/);
});

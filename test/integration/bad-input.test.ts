/**
 * Bad input against a real media-node process: each is answered with the right status and
 * error code, counted in a metric, and the node keeps serving. Also the sessions nobody
 * ends: a publisher that vanishes without DELETE and a viewer that never completes ICE.
 */
import { test } from "node:test";
import { connect } from "node:net";
import assert from "node:assert/strict";
import { startClientProcess } from "../support/clients.js";
import { poll } from "../support/poll.js";
import { startMediaNode, type StartedNode } from "../support/mediaNode.js";

const offer = (media: string[]) =>
  ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0", ...media].join("\r\n") + "\r\n";
const VP9_ONLY = offer(["m=video 9 UDP/TLS/RTP/SAVPF 98", "a=mid:0", "a=sendonly", "a=rtpmap:98 VP9/90000", "a=ice-ufrag:abcd", "a=ice-pwd:0123456789abcdef01234567", "a=fingerprint:sha-256 00:11", "a=setup:actpass"]);
const NO_MEDIA = offer([]);

async function post(node: StartedNode, path: string, body: string, headers: Record<string, string> = { "Content-Type": "application/sdp" }) {
  const res = await fetch(`${node.httpUrl}${path}`, { method: "POST", headers, body });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = JSON.parse(text).error;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, headers: res.headers, text };
}


test("malformed requests -> 400/401/403/404/413/415/503, each counted, node still serving", { timeout: 60_000 }, async (t) => {
  const node = await startMediaNode({
    config: {
      http: { maxBodyBytes: 2048 },
      webrtc: { maxSessions: 2 },
      paths: [{ name: "cam1", maxViewers: 1 }, { name: "secret", publishToken: "pub-token", readToken: "read-token" }],
    },
  });
  t.after(() => node.stop());

  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string]> = [
    ["not SDP", await post(node, "/cam1/whip", "hello, I am not SDP"), 400, "MALFORMED_SDP"],
    ["SDP with no media", await post(node, "/cam1/whip", NO_MEDIA), 400, "SDP_WITHOUT_MEDIA"],
    ["only VP9 offered", await post(node, "/cam1/whip", VP9_ONLY), 400, "UNSUPPORTED_CODEC"],
    ["text/plain", await post(node, "/cam1/whip", NO_MEDIA, { "Content-Type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["no content type", await post(node, "/cam1/whep", NO_MEDIA, {}), 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["body over the limit", await post(node, "/cam1/whip", "v=0\r\n" + "a=x\r\n".repeat(1000)), 413, "BODY_TOO_LARGE"],
    ["unknown path", await post(node, "/nope/whip", NO_MEDIA), 404, "UNKNOWN_PATH"],
    ["publish without token", await post(node, "/secret/whip", NO_MEDIA), 401, "UNAUTHORIZED"],
    ["publish with read token", await post(node, "/secret/whip", NO_MEDIA, { "Content-Type": "application/sdp", Authorization: "Bearer read-token" }), 403, "FORBIDDEN"],
    ["view with wrong token", await post(node, "/secret/whep", NO_MEDIA, { "Content-Type": "application/sdp", Authorization: "Bearer nope" }), 403, "FORBIDDEN"],
    ["view without token", await post(node, "/secret/whep", NO_MEDIA), 401, "UNAUTHORIZED"],
    ["right token, bad SDP", await post(node, "/secret/whip", NO_MEDIA, { "Content-Type": "application/sdp", Authorization: "Bearer pub-token" }), 400, "SDP_WITHOUT_MEDIA"],
    ["GET on the WHIP endpoint", await (async () => {
      const res = await fetch(`${node.httpUrl}/cam1/whip`);
      return { status: res.status, code: res.headers.get("x-error-code") ?? undefined, headers: res.headers, text: await res.text() };
    })(), 405, "METHOD_NOT_ALLOWED"],
  ];
  for (const [what, res, status, code] of cases) {
    assert.equal(res.status, status, `${what}: ${res.text}`);
    assert.equal(res.code, code, what);
  }
  assert.equal(cases.find((c) => c[0] === "publish without token")![1].headers.get("www-authenticate"), 'Bearer realm="secret"');

  // A chunked body (no Content-Length) is cut off while streaming: raw socket, so the
  // answer can be read even though the node closes the connection mid-upload.
  const chunked = await new Promise<{ status: number }>((resolve, reject) => {
    const url = new URL(node.httpUrl);
    const socket = connect(Number(url.port), url.hostname);
    let received = "";
    const timer = setTimeout(() => reject(new Error("no answer to the chunked upload")), 10_000);
    socket.on("data", (d) => {
      received += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(m[1]) });
      }
    });
    socket.on("error", () => undefined);
    socket.write(`POST /cam1/whip HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/sdp\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const line = "a=filler-line-filler-line-filler-line-filler-line\r\n";
    for (let i = 0; i < 64; i++) socket.write(`${line.length.toString(16)}\r\n${line}\r\n`);
  });
  assert.equal(chunked.status, 413, "a chunked body over the limit is refused");

  assert.ok((await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdp"'))) >= 4);
  assert.ok((await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="http"') && l.includes("BODY_TOO_LARGE"))) >= 2);
  assert.ok((await node.metric("mediafleet_malformed_input_total", (l) => l.includes("UNSUPPORTED_MEDIA_TYPE"))) >= 2);
  assert.equal(await node.metric("mediafleet_http_requests_total", (l) => l.includes('status="401"')), 2);
  assert.equal(await node.metric("mediafleet_http_requests_total", (l) => l.includes('status="403"')), 2);
  assert.equal(await node.metric("mediafleet_http_requests_total", (l) => l.includes('status="404"')), 1);

  // Limits: maxViewers 1 on cam1, maxSessions 2 overall.
  const clients = await startClientProcess();
  t.after(() => clients.stop());
  assert.equal((await clients.publish({ id: "pub", url: `${node.httpUrl}/cam1/whip` })).status, 201, "the node still serves");
  await clients.waitConnected("pub");
  assert.equal((await clients.view({ id: "v1", url: `${node.httpUrl}/cam1/whep` })).status, 201);
  const overPath = await clients.view({ id: "v2", url: `${node.httpUrl}/cam1/whep` });
  assert.equal(overPath.status, 503, "maxViewers reached");
  assert.ok(Number(overPath.headers["retry-after"]) > 0);
  const overNode = await clients.publish({ id: "pub2", url: `${node.httpUrl}/secret/whip`, token: "pub-token" });
  assert.equal(overNode.status, 503, "maxSessions reached");
  assert.equal(JSON.parse(overNode.body).error, "SESSION_LIMIT");
  assert.ok(Number(overNode.headers["retry-after"]) > 0);
  assert.equal((await fetch(`${node.httpUrl}/healthz`)).status, 200);
});

test("a publisher that vanishes without DELETE is ended after sessionTimeout and its viewers with it", { timeout: 60_000 }, async (t) => {
  const node = await startMediaNode({ config: { webrtc: { sessionTimeout: "2s" }, paths: [{ name: "cam1" }] } });
  t.after(() => node.stop());
  const publisher = await startClientProcess();
  t.after(() => publisher.stop());
  const viewers = await startClientProcess();
  t.after(() => viewers.stop());

  assert.equal((await publisher.publish({ id: "pub", url: `${node.httpUrl}/cam1/whip` })).status, 201);
  await publisher.waitConnected("pub");
  assert.equal((await viewers.view({ id: "v1", url: `${node.httpUrl}/cam1/whep` })).status, 201);
  await viewers.waitConnected("v1");
  await poll(() => viewers.report("v1"), (r) => r.packets.length > 10, 10_000, "media to flow");

  const vanished = Date.now();
  publisher.child.process.kill("SIGKILL"); // no DELETE, no DTLS alert: it is just gone
  await viewers.waitEvent("v1", "dtls", 10_000, (e) => e.state === "closed");
  const endedAfter = Date.now() - vanished;
  t.diagnostic(`viewer ended ${endedAfter} ms after the publisher vanished (sessionTimeout 2s)`);
  assert.ok(endedAfter >= 1500 && endedAfter < 6000, `ended after ${endedAfter} ms`);
  const paths = (await (await fetch(`${node.httpUrl}/v1/paths`)).json()) as { paths: Array<{ publisher: boolean; viewers: number }> };
  assert.deepEqual([paths.paths[0]!.publisher, paths.paths[0]!.viewers], [false, 0]);
  assert.equal(await node.metric("mediafleet_sessions_ended_total", (l) => l.includes('kind="publisher"') && l.includes("media-timeout")), 1);
  assert.equal(await node.metric("mediafleet_sessions_ended_total", (l) => l.includes('kind="viewer"') && l.includes("publisher-media-timeout")), 1);

  // The path is free again.
  const again = await viewers.publish({ id: "pub-again", url: `${node.httpUrl}/cam1/whip` });
  assert.equal(again.status, 201);
});

test("a viewer that never completes ICE is ended after sessionTimeout", { timeout: 60_000 }, async (t) => {
  const node = await startMediaNode({ config: { webrtc: { sessionTimeout: "2s" }, paths: [{ name: "cam1" }] } });
  t.after(() => node.stop());
  const clients = await startClientProcess();
  t.after(() => clients.stop());
  assert.equal((await clients.publish({ id: "pub", url: `${node.httpUrl}/cam1/whip` })).status, 201);
  await clients.waitConnected("pub");

  const ghost = await clients.view({ id: "ghost", url: `${node.httpUrl}/cam1/whep`, abandon: true });
  assert.equal(ghost.status, 201);
  const viewersOf = async () => ((await (await fetch(`${node.httpUrl}/v1/paths`)).json()) as { paths: Array<{ viewers: number }> }).paths[0]!.viewers;
  assert.equal(await viewersOf(), 1);
  await poll(viewersOf, (n) => n === 0, 8000, "the ghost viewer to be ended");
  assert.equal(await node.metric("mediafleet_sessions_ended_total", (l) => l.includes('kind="viewer"') && l.includes("ice-timeout")), 1);
  assert.equal((await fetch(`${node.httpUrl}${ghost.location ? new URL(ghost.location).pathname : ""}`, { method: "DELETE" })).status, 404);
  assert.equal((await clients.view({ id: "real", url: `${node.httpUrl}/cam1/whep` })).status, 201, "the node still serves viewers");
});

/**
 * Process lifecycle of media-node: SIGTERM with live sessions drains and exits 0 within
 * 10 s (viewers see their DTLS transport closed), also when stdout's reader has gone and
 * every log write fails; a bad config exits 1 naming the field path before anything listens.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startClientProcess } from "../support/clients.js";
import { spawnTsx } from "../support/child.js";
import { freeTcpPort, freeUdpPort, startMediaNode, testConfig, writeConfigFile } from "../support/mediaNode.js";
import { OFFERS } from "../fuzz/corpus.js";

test("SIGTERM with a publisher, viewers, an RTP ingest and a test pattern -> exit 0 within 10 s", { timeout: 60_000 }, async (t) => {
  const node = await startMediaNode({
    config: {
      paths: [
        { name: "cam1" },
        { name: "cam2", source: { rtp: { host: "127.0.0.1", port: await freeUdpPort(), codec: "VP8" } } },
        { name: "pattern", source: { testPattern: { mode: "synthetic", fps: 30, packetsPerSecond: 120 } } },
      ],
    },
  });
  t.after(() => node.stop());
  const clients = await startClientProcess();
  t.after(() => clients.stop());

  assert.equal((await clients.publish({ id: "pub", url: `${node.httpUrl}/cam1/whip` })).status, 201);
  await clients.waitConnected("pub");
  for (const [id, path] of [["v1", "cam1"], ["v2", "cam1"], ["v3", "pattern"]] as const) {
    assert.equal((await clients.view({ id, url: `${node.httpUrl}/${path}/whep` })).status, 201);
    await clients.waitConnected(id);
  }

  const exit = await node.stop();
  t.diagnostic(`SIGTERM -> exit ${exit.code} in ${exit.ms} ms`);
  assert.equal(exit.signal, null, "exited by itself, not killed");
  assert.equal(exit.code, 0);
  assert.ok(exit.ms < 10_000, `took ${exit.ms} ms`);
  for (const id of ["v1", "v2", "v3", "pub"]) await clients.waitEvent(id, "dtls", 5000, (e) => e.state === "closed");
  const logs = node.logs().map((l) => l.msg);
  assert.ok(logs.includes("shutting down") && logs.includes("media node stopped"), JSON.stringify(logs));
  await assert.rejects(fetch(`${node.httpUrl}/healthz`), "the HTTP port is closed");
});

test("SIGTERM while viewers negotiate -> each answer is 201 or 503 (never 500), and the node exits 0", { timeout: 60_000 }, async (t) => {
  const node = await startMediaNode({ config: { paths: [{ name: "pattern", source: { testPattern: { mode: "synthetic", fps: 30, packetsPerSecond: 120 } } }] } });
  t.after(() => node.stop());
  const post = () =>
    fetch(`${node.httpUrl}/pattern/whep`, { method: "POST", headers: { "content-type": "application/sdp" }, body: OFFERS.weriftViewer }).then(
      async (res) => ({ status: res.status, body: await res.text() }),
      (error: unknown) => ({ status: 0, body: String(error) }), // the listener closed under the request
    );
  // Viewers keep arriving; the first answer means negotiations are under way when SIGTERM lands.
  const answers: Array<Promise<{ status: number; body: string }>> = [post()];
  const first = await answers[0]!;
  assert.equal(first.status, 201, first.body);
  for (let i = 0; i < 30; i++) answers.push(post());
  await new Promise((r) => setTimeout(r, 20));
  const stopped = node.stop();
  for (let i = 0; i < 10; i++) answers.push(post());
  const results = await Promise.all(answers);
  const exit = await stopped;
  const byStatus = new Map<number, number>();
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  t.diagnostic(`answers by status: ${JSON.stringify([...byStatus])}; exit ${exit.code} in ${exit.ms} ms`);
  const wrong = results.filter((r) => ![0, 201, 503].includes(r.status));
  assert.deepEqual(wrong, [], "a session the node ends while it negotiates is a 503 with a reason, not a 500");
  assert.ok((byStatus.get(503) ?? 0) + (byStatus.get(0) ?? 0) > 0, "SIGTERM landed while viewers were still arriving");
  assert.equal(exit.code, 0);
});

test("a bad config exits 1 with the field path and message, before anything listens", { timeout: 30_000 }, async () => {
  const httpPort = await freeTcpPort();
  const file = writeConfigFile(
    [`http: { listen: "127.0.0.1:${httpPort}" }`, "webrtc:", "  nack: { mode: sometimes, historyPackets: 500 }", "paths: [{ name: cam1, bogus: 1 }]"].join("\n"),
  );
  const child = spawnTsx(["media-node/main.ts", "--config", file]);
  const exit = await Promise.race([child.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("did not exit")), 20_000))]);
  assert.equal(exit.code, 1);
  const stderr = child.stderr.join("\n");
  assert.match(stderr, /webrtc\.nack\.mode: must be equal to one of the allowed values \(shared, perViewer, off\)/);
  assert.match(stderr, /webrtc\.nack\.historyPackets/);
  assert.match(stderr, /paths\.0\.bogus: unknown key/);
  assert.ok(!child.lines.some((l) => l.includes("media node ready")), "nothing started");

  const missing = spawnTsx(["media-node/main.ts", "--config", "/nonexistent/media-node.yaml"]);
  assert.equal((await missing.exited).code, 1);
  assert.match(missing.stderr.join("\n"), /cannot read config file \/nonexistent\/media-node\.yaml/);
});

test("MEDIA_NODE_CONFIG names the file when --config is absent; SIGINT also exits 0", { timeout: 30_000 }, async () => {
  const file = writeConfigFile(await testConfig({ paths: [{ name: "from-env" }] }));
  const child = spawnTsx(["media-node/main.ts"], { env: { MEDIA_NODE_CONFIG: file } });
  const ready = JSON.parse(await child.waitForLine((l) => l.includes("media node ready"), 20_000)) as { http: string };
  const paths = (await (await fetch(`${ready.http}/v1/paths`)).json()) as { paths: Array<{ name: string }> };
  assert.deepEqual(paths.paths.map((p) => p.name), ["from-env"]);
  child.process.kill("SIGINT");
  assert.equal((await child.exited).code, 0);
});

test("SIGTERM after whoever read the node's stdout has gone (log writes fail with EPIPE) -> still exits 0 within 10 s", { timeout: 60_000 }, async (t) => {
  const file = writeConfigFile(await testConfig({ paths: [{ name: "cam1" }] }));
  const child = spawnTsx(["media-node/main.ts", "--config", file]);
  t.after(() => child.process.kill("SIGKILL"));
  await child.waitForLine((l) => l.includes("media node ready"), 20_000);
  // The log reader goes away (a crashed log shipper, a closed terminal): the next log line, the
  // one the node writes as it begins to shut down, meets a broken pipe.
  child.process.stdout!.destroy();
  const started = Date.now();
  child.process.kill("SIGTERM");
  const exit = await Promise.race([child.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000))]);
  assert.ok(exit, "still running 15 s after SIGTERM");
  t.diagnostic(`exit ${exit.code} (signal ${exit.signal}) after ${Date.now() - started} ms; stderr: ${child.stderr.slice(-3).join(" | ")}`);
  assert.equal(exit.code, 0);
  assert.ok(Date.now() - started < 10_000);
});

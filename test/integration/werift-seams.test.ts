/**
 * A media node on a werift that does not fit one of its seams refuses to start: exit 1, the
 * seam and what is missing on stderr, nothing listening. The installed werift is doctored in
 * the child process only, by a module loaded before main (NODE_OPTIONS --import), the way an
 * upgraded werift would differ: RTCDtlsTransport.start no longer waits before it connects.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT, spawnNode } from "../support/child.js";
import { testConfig, writeConfigFile } from "../support/mediaNode.js";

test("werift without the 100 ms DTLS wait -> media node exits 1 naming seam \"dtls-early-start\", nothing listening", { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "mediafleet-werift-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // the same module URL the node's `import "werift"` resolves to, so the same classes
  const weriftEsm = pathToFileURL(join(REPO_ROOT, "node_modules/werift/lib/index.mjs")).href;
  const doctor = join(dir, "doctor-werift.mjs");
  writeFileSync(doctor, `import { RTCDtlsTransport } from ${JSON.stringify(weriftEsm)};\nRTCDtlsTransport.prototype.start = async function start() {};\n`);
  const config = await testConfig({ paths: [{ name: "cam1" }] });
  const child = spawnNode(["dist/media-node/main.js", "--config", writeConfigFile(config)], { env: { NODE_OPTIONS: `--import ${pathToFileURL(doctor).href}` } });
  const exit = await Promise.race([child.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("did not exit")), 20_000))]);
  const stderr = child.stderr.join("\n");
  assert.equal(exit.code, 1, stderr);
  assert.match(stderr, /refusing to start:\n - seam "dtls-early-start": RTCDtlsTransport\.start no longer/);
  assert.ok(!child.lines.some((l) => l.includes("media node ready") || l.includes("observe listeners up")), "nothing started");
});

/**
 * Per-path token files against a real media-node process, laid out as the kubelet mounts a
 * Secret (`token -> ..data/token`, `..data -> ..<timestamp>`, swapped atomically on update):
 * the token in force follows a rotation without a restart, a broken file keeps the last good
 * token (counted, warned once), and a missing file at start exits 1 naming field and file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTsx } from "../support/child.js";
import { startMediaNode, testConfig, writeConfigFile, type StartedNode } from "../support/mediaNode.js";

const NO_MEDIA = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"].join("\r\n") + "\r\n";

/** A Secret volume as the kubelet writes it; `update` swaps in new data atomically. */
function secretVolume(dir: string, data: Record<string, string>) {
  let generation = 0;
  const write = (values: Record<string, string>) => {
    const target = `..gen_${++generation}`;
    mkdirSync(join(dir, target));
    for (const [key, value] of Object.entries(values)) writeFileSync(join(dir, target, key), value);
    symlinkSync(target, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  };
  write(data);
  for (const key of Object.keys(data)) symlinkSync(`..data/${key}`, join(dir, key));
  return { update: write };
}

/** Status of a WHIP POST: 400 (the empty offer) means the token was accepted. */
async function publishStatus(node: StartedNode, token?: string): Promise<number> {
  const res = await fetch(`${node.httpUrl}/secure/whip`, {
    method: "POST",
    headers: { "Content-Type": "application/sdp", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: NO_MEDIA,
  });
  await res.arrayBuffer();
  return res.status;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

test("a token file follows a Secret rotation without a restart; a broken file keeps the last good token", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "mediafleet-secret-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secret = secretVolume(dir, { publish: "first-token\n" });
  const node = await startMediaNode({ config: { paths: [{ name: "secure", publishTokenFile: join(dir, "publish") }] } });
  t.after(() => node.stop());

  assert.equal(await publishStatus(node), 401);
  assert.equal(await publishStatus(node, "first-token"), 400, "accepted (then refused for the empty offer)");
  assert.equal(await publishStatus(node, "second-token"), 403);

  secret.update({ publish: "second-token" });
  const ms = await until("rotation in force", async () => (await publishStatus(node, "second-token")) === 400, 6000);
  t.diagnostic(`rotation took effect after ${ms} ms`);
  assert.equal(await publishStatus(node, "first-token"), 403, "the old token is refused");

  // A broken update (empty file): the last good token stays, the failure is counted.
  secret.update({ publish: "" });
  await until("failure counted", async () => (await publishStatus(node, "second-token")) === 400 && (await node.metric("mediafleet_token_file_errors_total")) > 0, 6000);
  assert.equal(await publishStatus(node, ""), 401);
  assert.equal(await publishStatus(node, "second-token"), 400);
  const warnings = node.logs().filter((l) => l.msg === "token file unreadable; the last good token stays in force");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.field, "publishTokenFile");
  assert.equal(warnings[0]!.path, "secure");
});

test("a path's token file missing at start -> exit 1 naming the field and the file, nothing listening", { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "mediafleet-secret-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, "read");
  const config = await testConfig({ paths: [{ name: "open" }, { name: "secure", readTokenFile: missing }] });
  const child = spawnTsx(["media-node/main.ts", "--config", writeConfigFile(config)]);
  const exit = await Promise.race([child.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("did not exit")), 20_000))]);
  assert.equal(exit.code, 1);
  assert.ok(child.stderr.join("\n").includes(`paths.1.readTokenFile: cannot read the token file (ENOENT): ${missing}`), child.stderr.join("\n"));
  assert.ok(!child.lines.some((l) => l.includes("media node ready") || l.includes("observe listeners up")), "nothing started");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../config/load.js";
import { fileTokenSource, loadPathTokens, TokenFileError, type TokenFileEvents } from "./tokenSource.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "mediafleet-token-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock the test moves; file times stay real. */
function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

function recorder() {
  const failures: Array<{ message: string; first: boolean }> = [];
  let reloads = 0;
  const events: TokenFileEvents = {
    readFailed: (error, first) => failures.push({ message: error.message, first }),
    reloaded: () => reloads++,
  };
  return { events, failures, reloads: () => reloads };
}

test("a token file is read trimmed at start; a rotation is seen at the next check, not before", (t) => {
  const file = join(tempDir(t), "token");
  writeFileSync(file, "  first-token\n");
  const c = clock();
  const r = recorder();
  const source = fileTokenSource({ file, field: "paths.0.readTokenFile", now: c.now, events: r.events });
  assert.equal(source.current(), "first-token");
  writeFileSync(file, "second-token\n");
  c.advance(1999);
  assert.equal(source.current(), "first-token", "checked at most every 2 s");
  c.advance(1);
  assert.equal(source.current(), "second-token");
  assert.equal(r.reloads(), 1);
  // Same size, written in place right away: caught although the file times may not have moved.
  writeFileSync(file, "third--token\n");
  c.advance(2000);
  assert.equal(source.current(), "third--token");
  assert.deepEqual(r.failures, []);
});

test("a kubelet-style rotation (the ..data symlink swapped to a new directory) is seen", (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, "..2026_01_01_a"));
  writeFileSync(join(dir, "..2026_01_01_a", "token"), "old");
  symlinkSync("..2026_01_01_a", join(dir, "..data"));
  symlinkSync("..data/token", join(dir, "token"));
  const c = clock();
  const source = fileTokenSource({ file: join(dir, "token"), field: "f", now: c.now });
  assert.equal(source.current(), "old");
  mkdirSync(join(dir, "..2026_01_01_b"));
  writeFileSync(join(dir, "..2026_01_01_b", "token"), "new");
  symlinkSync("..2026_01_01_b", join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  c.advance(2000);
  assert.equal(source.current(), "new");
});

test("a file that goes missing or empty later: the last good token stays, each failure counted, the first flagged", (t) => {
  const file = join(tempDir(t), "token");
  writeFileSync(file, "good");
  const c = clock();
  const r = recorder();
  const source = fileTokenSource({ file, field: "paths.2.publishTokenFile", now: c.now, events: r.events });
  unlinkSync(file);
  c.advance(2000);
  assert.equal(source.current(), "good");
  c.advance(2000);
  assert.equal(source.current(), "good");
  writeFileSync(file, " \n");
  c.advance(2000);
  assert.equal(source.current(), "good", "an empty file never opens the path");
  assert.deepEqual(r.failures.map((f) => f.first), [true, false, false]);
  assert.match(r.failures[0]!.message, /^paths\.2\.publishTokenFile: cannot read the token file \(ENOENT\): /);
  assert.match(r.failures[2]!.message, /the token file is empty/);
  writeFileSync(file, "fresh");
  c.advance(2000);
  assert.equal(source.current(), "fresh");
  assert.equal(r.reloads(), 1);
  unlinkSync(file);
  c.advance(2000);
  source.current();
  assert.equal(r.failures.at(-1)!.first, true, "a new run of failures is flagged again");
});

test("at start: a missing or empty file is a ConfigError naming the field and the file", (t) => {
  const dir = tempDir(t);
  const missing = join(dir, "nope");
  assert.throws(
    () => fileTokenSource({ file: missing, field: "paths.0.readTokenFile" }),
    (error: unknown) => error instanceof TokenFileError && error instanceof ConfigError && error.message === `paths.0.readTokenFile: cannot read the token file (ENOENT): ${missing}`,
  );
  const empty = join(dir, "empty");
  writeFileSync(empty, "\n\n");
  assert.throws(() => fileTokenSource({ file: empty, field: "paths.0.readTokenFile" }), /paths\.0\.readTokenFile: the token file is empty: .*empty$/);
  assert.throws(() => fileTokenSource({ file: dir, field: "f" }), /cannot read the token file \(EISDIR\)/);
});

test("loadPathTokens: inline tokens, token files, no token; the field names the path's index", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "read"), "r-token\n");
  const tokens = loadPathTokens([
    { name: "open", waitForPublisher: false },
    { name: "inline", waitForPublisher: false, publishToken: "p-inline", readToken: "" },
    { name: "files", waitForPublisher: false, publishToken: "p2", readTokenFile: join(dir, "read") },
  ]);
  assert.equal(tokens.expected("open", "publish"), undefined);
  assert.equal(tokens.expected("inline", "publish"), "p-inline");
  assert.equal(tokens.expected("inline", "read"), undefined, "an empty inline token asks for none, as before");
  assert.equal(tokens.expected("files", "read"), "r-token");
  assert.equal(tokens.expected("files", "publish"), "p2");
  assert.equal(tokens.expected("unknown", "read"), undefined);
  assert.throws(
    () => loadPathTokens([{ name: "a", waitForPublisher: false }, { name: "b", waitForPublisher: false, publishTokenFile: join(dir, "gone") }]),
    /paths\.1\.publishTokenFile: cannot read the token file \(ENOENT\)/,
  );
});

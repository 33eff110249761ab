import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { Profile, StringTable } from "pprof-format";
import type { SiteUsage } from "../analysis/types.js";
import { ScrapeError } from "./errors.js";
import { NODE_INTERNALS_SITE, readHeapProfile } from "./heapProfile.js";
import { captureHeapProfile } from "./testdata/fixtures.js";

const THIS_FILE = "operator/scrape/heapProfile.test.ts";
const retained: unknown[] = [];

// Named allocation sites of this test file: the fold must charge their memory to them.
function allocatePacketCopies(): void {
  for (let i = 0; i < 20000; i++) retained.push(Buffer.from([i & 0xff, 0x80, 0x60, 0x01]));
}

function allocateSessionRecords(): void {
  const rows: Array<{ id: number; name: string; stats: number[] }> = [];
  for (let i = 0; i < 60000; i++) rows.push({ id: i, name: `viewer-${i}`, stats: [i, i + 1] });
  retained.push(rows);
}

const site = (sites: SiteUsage[], fn: string) => sites.find((s) => s.function === fn);

test("a real @datadog/pprof heap profile folds into the test file's own functions", async () => {
  const gz = await captureHeapProfile(() => {
    allocatePacketCopies();
    allocateSessionRecords();
  });
  const folded = await readHeapProfile(gz);

  const buffers = site(folded.sites, "allocatePacketCopies");
  const records = site(folded.sites, "allocateSessionRecords");
  assert.ok(buffers, `no allocatePacketCopies site in ${JSON.stringify(folded.sites.slice(0, 8))}`);
  assert.ok(records, "no allocateSessionRecords site");
  assert.equal(buffers.file, THIS_FILE);
  assert.equal(records.file, THIS_FILE);
  assert.ok(buffers.bufferObjects > 0, "Buffer.from samples must count as buffer objects");
  assert.ok(buffers.bufferObjects <= buffers.objects);
  assert.equal(records.bufferObjects, 0);
  assert.ok(records.bytes > 1_000_000, `60000 records are MBs, got ${records.bytes}`);
  assert.ok(buffers.line > 0 && records.line > 0);

  for (const s of folded.sites) {
    assert.ok(!s.file.startsWith("node:"), `internal file as a site: ${s.function} ${s.file}`);
    assert.ok(!s.function.startsWith("(external)") && !s.function.startsWith("(unsampled"), s.function);
    if (s.file === "") assert.equal(s.function, NODE_INTERNALS_SITE);
  }
  assert.ok(folded.externalBytes > 0, "(external) comes back as externalBytes");
  assert.equal(folded.unsampledBytes, 0);
  const siteBytes = folded.sites.reduce((sum, s) => sum + s.bytes, 0);
  assert.equal(folded.totalBytes, siteBytes + folded.externalBytes + folded.unsampledBytes);
  assert.ok(retained.length > 0);
});

type FrameSpec = [name: string, file: string, line?: number];

/** A gzipped profile made by hand, to pin down the owner and buffer rules frame by frame. */
function handMadeProfile(samples: Array<{ stack: FrameSpec[] | FrameSpec[][]; objects: number; bytes: number }>): Buffer {
  const strings = new StringTable();
  const functions = new Map<string, number>();
  const locations: Array<{ id: number; line: Array<{ functionId: number; line: number }> }> = [];
  const fnId = ([name, file]: FrameSpec) => {
    const key = `${name}@${file}`;
    if (!functions.has(key)) functions.set(key, functions.size + 1);
    return functions.get(key)!;
  };
  const location = (frames: FrameSpec[]) => {
    locations.push({ id: locations.length + 1, line: frames.map((f) => ({ functionId: fnId(f), line: f[2] ?? 1 })) });
    return locations.length;
  };
  const sample = samples.map((s) => ({
    // A nested array is one location with inlined frames (callee first).
    locationId: s.stack.map((entry) => location(Array.isArray(entry[0]) ? (entry as FrameSpec[]) : [entry as FrameSpec])),
    value: [s.objects, s.bytes],
  }));
  const profile = new Profile({
    sampleType: [
      { type: strings.dedup("inuse_objects"), unit: strings.dedup("count") },
      { type: strings.dedup("inuse_space"), unit: strings.dedup("bytes") },
    ],
    sample,
    location: locations,
    function: [...functions].map(([key, id]) => {
      const at = key.lastIndexOf("@");
      return { id, name: strings.dedup(key.slice(0, at)), filename: strings.dedup(key.slice(at + 1)) };
    }),
    stringTable: strings,
  });
  return gzipSync(profile.encode());
}

test("owner is the first non-internal frame; node:buffer or a typed-array leaf makes a buffer sample", async () => {
  const fwd = "file:///app/dist/media-node/fanout/forwardedTrack.js";
  const werift = "/app/node_modules/werift/lib/rtp/src/rtp/rtp.js";
  const gz = handMadeProfile([
    { stack: [["Uint8Array", "", 0], ["FastBuffer", "node:internal/buffer"], ["from", "node:buffer"], ["copyPacket", fwd, 40], ["(anonymous)", ""]], objects: 10, bytes: 1000 },
    { stack: [["copyPacket", fwd, 41]], objects: 1, bytes: 3000 },
    { stack: [["ArrayBuffer", ""], ["serialize", werift, 7]], objects: 4, bytes: 400 },
    { stack: [["push", ""], ["(anonymous:L#3:C#9)", "node:internal/validators"], ["serialize", werift, 7]], objects: 2, bytes: 200 },
    { stack: [[["inlinedHelper", "/repo/operator/scrape/x.ts", 5], ["outer", "/repo/operator/scrape/x.ts", 9]]], objects: 1, bytes: 50 },
    { stack: [["(garbage collector)", ""], ["(program)", ""], ["emit", "node:events"]], objects: 3, bytes: 70 },
    { stack: [["(external)", ""]], objects: 1, bytes: 5_000_000 },
    { stack: [["(unsampled: JS heap in use before profiling started)", ""]], objects: 0, bytes: 2_000_000 },
  ]);
  const folded = await readHeapProfile(gz);
  assert.deepEqual(folded.sites, [
    // line 41 holds more bytes than line 40
    { function: "copyPacket", file: "media-node/fanout/forwardedTrack.js", line: 41, bytes: 4000, objects: 11, bufferObjects: 10 },
    { function: "serialize", file: "werift/lib/rtp/src/rtp/rtp.js", line: 7, bytes: 600, objects: 6, bufferObjects: 4 },
    { function: NODE_INTERNALS_SITE, file: "", line: 0, bytes: 70, objects: 3, bufferObjects: 0 },
    { function: "inlinedHelper", file: "operator/scrape/x.ts", line: 5, bytes: 50, objects: 1, bufferObjects: 0 },
  ]);
  assert.equal(folded.externalBytes, 5_000_000);
  assert.equal(folded.unsampledBytes, 2_000_000);
  assert.equal(folded.totalBytes, 4000 + 600 + 70 + 50 + 5_000_000 + 2_000_000);
});

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ScrapeError, `not a ScrapeError: ${String(error)}`);
    return error.reason;
  }
  return "resolved";
}

test("bad profile bytes are malformed, an inflate past the limit is too_large", async () => {
  const good = handMadeProfile([{ stack: [["f", "/a/b.js"]], objects: 1, bytes: 10 }]);
  assert.equal(await reasonOf(readHeapProfile(good.subarray(0, good.length - 12))), "malformed");
  assert.equal(await reasonOf(readHeapProfile(randomBytes(4096))), "malformed");
  assert.equal(await reasonOf(readHeapProfile(new Uint8Array(0))), "malformed");
  // gzip of bytes that are not a profile
  assert.equal(await reasonOf(readHeapProfile(gzipSync(randomBytes(4096)))), "malformed");
  assert.equal(await reasonOf(readHeapProfile(gzipSync(Buffer.alloc(1 << 20)), { maxInflatedBytes: 64 * 1024 })), "too_large");
  // a profile without the in-use sample types (e.g. a CPU profile)
  const cpu = new Profile({ sampleType: [], stringTable: new StringTable() });
  assert.equal(await reasonOf(readHeapProfile(gzipSync(cpu.encode()))), "malformed");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import type { HeapGrowth } from "../api/types.js";
import { isReportable, topGrowth, type ProfileSites } from "./siteDiff.js";
import type { SiteUsage } from "./types.js";

const MB = 1e6;
const FORWARD_FILE = "media-node/fanout/forwardedTrack.ts";

const site = (fn: string, file: string, line: number, bytes: number, bufferObjects = 0): SiteUsage => ({
  function: fn,
  file,
  line,
  bytes,
  objects: bufferObjects + Math.round(bytes / 100),
  bufferObjects,
});
const total = (p: ProfileSites): number => p.sites.reduce((s, x) => s + x.bytes, 0) + p.externalBytes;
const sumGrowth = (g: HeapGrowth[]): number => g.reduce((s, x) => s + x.growthBytes, 0);

/** Sites common to both builds, unchanged: a session table, werift's packet parser, Node's own. */
const common = (): SiteUsage[] => [
  site("SessionTable.add", "media-node/session/table.ts", 40, 3 * MB),
  site("RtpPacket.deSerialize", "werift/lib/index.mjs", 12986, 4 * MB, 200),
  site("(node internals)", "", 0, 6 * MB, 50),
];

test("seed regression: +240 MB external, Buffers growing at ForwardedTrack.forward -> that site named with ~240 MB", () => {
  const baseline: ProfileSites = {
    externalBytes: 10 * MB,
    sites: [...common(), site("ForwardedTrack.forward", FORWARD_FILE, 88, 1 * MB, 30), site("(external)", "", 0, 0.5 * MB)],
  };
  const canary: ProfileSites = {
    externalBytes: 250 * MB,
    // A history per viewer: 30 viewers x 512 packets of Buffers; the line moved with an edit.
    sites: [...common(), site("ForwardedTrack.forward", FORWARD_FILE, 91, 2.5 * MB, 30 * 512), site("(external)", "", 0, 3 * MB)],
  };
  const growth = topGrowth(baseline, canary);
  assert.equal(growth.length, 1, JSON.stringify(growth));
  const [top] = growth as [HeapGrowth];
  assert.equal(top.function, "ForwardedTrack.forward");
  assert.equal(top.location, `${FORWARD_FILE}:91`);
  // 1.5 MB of heap + all 240 MB of external growth (the only site whose Buffers grew).
  assert.ok(Math.abs(top.growthBytes - 241.5 * MB) < 0.1 * MB, `${top.growthBytes}`);
  // Its baseline share of external: 30 of the baseline's 280 Buffers.
  assert.equal(top.baselineBytes, Math.round(1 * MB + (10 * MB * 30) / 280));
  assert.equal(top.currentBytes, top.baselineBytes + top.growthBytes);
  assert.ok(sumGrowth(growth) <= total(canary) - total(baseline));
});

test("external growth shared among growing Buffer sites in proportion to their count growth", () => {
  const baseline: ProfileSites = { externalBytes: 0, sites: [site("a", "x.ts", 1, 0, 0), site("b", "y.ts", 1, 0, 100)] };
  const canary: ProfileSites = { externalBytes: 40 * MB, sites: [site("a", "x.ts", 1, 0, 300), site("b", "y.ts", 1, 0, 200)] };
  const growth = topGrowth(baseline, canary);
  assert.deepEqual(
    growth.map((g) => [g.function, g.growthBytes]),
    [
      ["a", 30 * MB],
      ["b", 10 * MB],
    ],
  );
});

test("a function renamed within its file -> no growth reported", () => {
  const baseline: ProfileSites = { externalBytes: 20 * MB, sites: [...common(), site("ForwardedTrack.forward", FORWARD_FILE, 88, 12 * MB, 5000)] };
  const canary: ProfileSites = { externalBytes: 20 * MB, sites: [...common(), site("ForwardedTrack.relay", FORWARD_FILE, 90, 12 * MB, 5000)] };
  assert.deepEqual(topGrowth(baseline, canary), []);
});

test("a rename within a file while Buffers really grow elsewhere -> the renamed site takes no share of it", () => {
  const recorder = (buffers: number): SiteUsage => site("Recorder.write", "media-node/record/recorder.ts", 10, 1 * MB, buffers);
  const baseline: ProfileSites = { externalBytes: 20 * MB, sites: [...common(), site("ForwardedTrack.forward", FORWARD_FILE, 88, 12 * MB, 5000), recorder(0)] };
  const canary: ProfileSites = { externalBytes: 50 * MB, sites: [...common(), site("ForwardedTrack.relay", FORWARD_FILE, 90, 12 * MB, 5000), recorder(1000)] };
  assert.deepEqual(
    topGrowth(baseline, canary).map((g) => [g.function, g.growthBytes]),
    [["Recorder.write", 30 * MB]],
  );
});

test("a function split in two within its file, while another file really grows -> only the real growth", () => {
  const baseline: ProfileSites = {
    externalBytes: 20 * MB,
    sites: [...common(), site("ForwardedTrack.forward", FORWARD_FILE, 88, 12 * MB, 5000), site("Recorder.write", "media-node/record/recorder.ts", 10, 1 * MB)],
  };
  const canary: ProfileSites = {
    externalBytes: 20 * MB,
    sites: [
      ...common(),
      site("ForwardedTrack.forward", FORWARD_FILE, 88, 5 * MB, 2000),
      site("ForwardedTrack.rewriteHeader", FORWARD_FILE, 120, 7 * MB, 3000),
      site("Recorder.write", "media-node/record/recorder.ts", 12, 6 * MB),
    ],
  };
  const growth = topGrowth(baseline, canary);
  assert.deepEqual(
    growth.map((g) => [g.function, g.location, g.growthBytes]),
    [["Recorder.write", "media-node/record/recorder.ts:12", 5 * MB]],
  );
});

test("(external), (node internals), anonymous, node: and file-less sites -> never reported, even when they grow most", () => {
  const baseline: ProfileSites = { externalBytes: 0, sites: [] };
  const canary: ProfileSites = {
    externalBytes: 100 * MB,
    sites: [
      site("(external)", "", 0, 50 * MB, 1000),
      site("(node internals)", "", 0, 40 * MB, 1000),
      site("(anonymous:L#473:C#3)", "werift/lib/index.mjs", 473, 30 * MB),
      site("concat", "node:buffer", 628, 20 * MB, 1000),
      site("push", "", 0, 10 * MB),
      site("Publisher.ingest", "media-node/ingest/rtp.ts", 55, 1 * MB, 1000),
    ],
  };
  const growth = topGrowth(baseline, canary);
  assert.deepEqual(
    growth.map((g) => g.function),
    ["Publisher.ingest"],
  );
  // Its external share is a quarter (1000 of 4000 grown Buffers), not all of it.
  assert.equal(growth[0]!.growthBytes, 26 * MB);
  for (const name of ["(external)", "(node internals)", "(anonymous:L#1:C#1)", ""]) assert.equal(isReportable({ function: name, file: "a.ts" }), false, name);
  assert.equal(isReportable({ function: "f", file: "node:internal/streams" }), false);
  assert.equal(isReportable({ function: "ForwardedTrack.forward", file: FORWARD_FILE }), true);
});

test("a function moved to another file (not netted) -> the total is capped by what the profile grew", () => {
  const baseline: ProfileSites = { externalBytes: 10 * MB, sites: [...common(), site("Nack.remember", "media-node/fanout/nack.ts", 5, 10 * MB)] };
  // Moved, and 4 MB of real growth elsewhere: the sites claim 14 MB, the profile grew 4 MB.
  const canary: ProfileSites = {
    externalBytes: 10 * MB,
    sites: [...common(), site("Nack.remember", "media-node/fanout/history.ts", 7, 10 * MB), site("Stats.add", "media-node/observe/stats.ts", 3, 4 * MB)],
  };
  const growth = topGrowth(baseline, canary, { minBytes: 0 });
  assert.ok(sumGrowth(growth) <= total(canary) - total(baseline), `${sumGrowth(growth)} > ${total(canary) - total(baseline)}`);
  assert.deepEqual(
    growth.map((g) => g.function),
    ["Nack.remember", "Stats.add"],
  );
  // The moved function alone, nothing else grew: nothing to report.
  const movedOnly: ProfileSites = { ...canary, sites: canary.sites.filter((s) => s.function !== "Stats.add") };
  assert.deepEqual(topGrowth(baseline, movedOnly), []);
});

test("the profile shrank overall -> nothing reported, even if one site grew", () => {
  const baseline: ProfileSites = { externalBytes: 50 * MB, sites: [site("a", "a.ts", 1, 10 * MB, 100), site("b", "b.ts", 1, 1 * MB)] };
  const canary: ProfileSites = { externalBytes: 5 * MB, sites: [site("a", "a.ts", 1, 1 * MB, 10), site("b", "b.ts", 1, 3 * MB)] };
  assert.deepEqual(topGrowth(baseline, canary), []);
});

test("limit, minBytes (default 256 KiB) and order -> the largest first, small growth dropped", () => {
  const baseline: ProfileSites = { externalBytes: 0, sites: [] };
  const sizes = [5, 1, 9, 3, 7, 2, 8, 0.2];
  const canary: ProfileSites = { externalBytes: 0, sites: sizes.map((mb, i) => site(`f${i}`, `file${i}.ts`, i + 1, mb * MB)) };
  assert.deepEqual(
    topGrowth(baseline, canary).map((g) => g.growthBytes / MB),
    [9, 8, 7, 5, 3],
  );
  assert.deepEqual(
    topGrowth(baseline, canary, { limit: 10 }).map((g) => g.growthBytes / MB),
    [9, 8, 7, 5, 3, 2, 1],
  );
  assert.equal(topGrowth(baseline, canary, { limit: 10, minBytes: 0 }).length, 8);
  assert.deepEqual(
    topGrowth(baseline, canary, { minBytes: 6 * MB }).map((g) => g.function),
    ["f2", "f6", "f4"],
  );
});

test("same function + file at several lines -> one site, located at the canary's largest entry", () => {
  const baseline: ProfileSites = { externalBytes: 0, sites: [site("f", "a.ts", 10, 1 * MB)] };
  const canary: ProfileSites = { externalBytes: 0, sites: [site("f", "a.ts", 12, 1 * MB), site("f", "a.ts", 30, 4 * MB)] };
  assert.deepEqual(topGrowth(baseline, canary), [{ function: "f", location: "a.ts:30", baselineBytes: 1 * MB, currentBytes: 5 * MB, growthBytes: 4 * MB }]);
});

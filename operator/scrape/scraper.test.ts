import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, test } from "node:test";
import { scrapeAll, scrapePod, type ScrapeOptions, type ScrapeTarget } from "./scraper.js";
import { captureHeapProfile, closedPort, GOOD_METRICS, serve, withoutFamilies, type TestServer } from "./testdata/fixtures.js";

const TOKEN = "s3cret-profiling-token";
const retained: unknown[] = [];
let profileGz: Buffer;
const servers: TestServer[] = [];

function allocateViewerState(): void {
  for (let i = 0; i < 5000; i++) retained.push({ viewer: i, ssrc: i * 7, history: Buffer.alloc(16) });
}

before(async () => {
  profileGz = await captureHeapProfile(allocateViewerState);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function server(handler: Handler): Promise<number> {
  const s = await serve(handler);
  servers.push(s);
  return s.port;
}

/** One pod whose metrics and pprof listeners are served by the given handlers. */
async function pod(metrics: Handler, pprof: Handler): Promise<ScrapeTarget> {
  return { pod: "msrv-a-0", ip: "127.0.0.1", metricsPort: await server(metrics), pprofPort: await server(pprof), role: "canary", revision: "rev-1", podStartMs: 1_000 };
}

const send = (status: number, body: string | Buffer): Handler => (_req, res) => {
  res.writeHead(status);
  res.end(body);
};
const goodMetrics = send(200, GOOD_METRICS);
const goodProfile: Handler = (req, res) => {
  // The node must never be asked for a forced GC, and the token must be presented.
  if (req.url !== "/debug/pprof/heap") return send(400, "unexpected URL " + req.url)(req, res);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, "no")(req, res);
  send(200, profileGz)(req, res);
};
const options: ScrapeOptions = { token: TOKEN, timeoutMs: 2000, now: () => 42_000 };

test("metrics and a real heap profile make a full PodSample", async () => {
  const result = await scrapePod(await pod(goodMetrics, goodProfile), options);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.notes, []);
  const { sites, ...sample } = result.sample!;
  assert.deepEqual(sample, {
    pod: "msrv-a-0", revision: "rev-1", role: "canary", podStartMs: 1_000, timeMs: 42_000,
    heapAfterGcBytes: 44512000, externalBytes: 9876543, rssBytes: 187342848, viewers: 5, publishers: 2,
  });
  const own = sites?.find((s) => s.function === "allocateViewerState");
  assert.equal(own?.file, "operator/scrape/scraper.test.ts");
  assert.ok(own.bufferObjects > 0 && own.bufferObjects < own.objects);
  assert.ok(result.profile!.externalBytes > 0);
});

/** Scrapes a pod and returns "what:reason" of every error; a sample must exist iff metrics worked. */
async function failures(target: ScrapeTarget, extra: ScrapeOptions = {}): Promise<string[]> {
  const result = await scrapePod(target, { ...options, ...extra });
  assert.equal(result.sample !== undefined, !result.errors.some((e) => e.what === "metrics"));
  for (const e of result.errors) assert.equal(e.pod, "msrv-a-0");
  for (const e of result.errors) assert.ok(!e.message.includes(TOKEN), "the token leaked into a message");
  return result.errors.map((e) => `${e.what}:${e.reason}`);
}

test("HTTP failures: 401/403 unauthorized, 500 and redirects http_error", async () => {
  assert.deepEqual(await failures(await pod(goodMetrics, goodProfile), { token: "wrong" }), ["profile:unauthorized"]);
  assert.deepEqual(await failures(await pod(send(403, "forbidden"), goodProfile)), ["metrics:unauthorized"]);
  assert.deepEqual(await failures(await pod(send(500, "boom"), send(302, ""))), ["metrics:http_error", "profile:http_error"]);
});

test("connection refused, and listeners that never answer or stall mid-body, time out", async () => {
  const refused = { ...(await pod(goodMetrics, goodProfile)), metricsPort: await closedPort(), pprofPort: await closedPort() };
  assert.deepEqual(await failures(refused), ["metrics:refused", "profile:refused"]);

  const silent: Handler = () => {};
  const stalls: Handler = (_req, res) => {
    res.writeHead(200, { "content-length": "100000" });
    res.write(profileGz.subarray(0, 100));
  };
  const started = Date.now();
  assert.deepEqual(await failures(await pod(silent, stalls), { timeoutMs: 300 }), ["metrics:timeout", "profile:timeout"]);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 290 && elapsed < 2000, `took ${elapsed} ms`);
});

test("bad bodies: truncated gzip, random bytes, missing series are malformed; oversize is too_large", async () => {
  const truncated = send(200, profileGz.subarray(0, profileGz.length >> 1));
  assert.deepEqual(await failures(await pod(goodMetrics, truncated)), ["profile:malformed"]);
  assert.deepEqual(await failures(await pod(send(200, randomBytes(8192)), send(200, randomBytes(8192)))), ["metrics:malformed", "profile:malformed"]);
  const noViewers = send(200, withoutFamilies(GOOD_METRICS, "mediafleet_viewers"));
  assert.deepEqual(await failures(await pod(noViewers, goodProfile)), ["metrics:malformed"]);

  // 5 MiB in chunks (no Content-Length) against the 4 MiB metrics default; a declared length for the profile.
  const endless: Handler = (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 80; i++) res.write(Buffer.alloc(64 * 1024, "#"));
    res.end();
  };
  const declared: Handler = (_req, res) => {
    res.writeHead(200, { "content-length": String(profileGz.length) });
    res.end(profileGz);
  };
  const result = await failures(await pod(endless, declared), { profileMaxBytes: profileGz.length - 1 });
  assert.deepEqual(result, ["metrics:too_large", "profile:too_large"]);
});

test("without the profile, or when only the profile fails, the sample has no sites", async () => {
  const skipped = await scrapePod(await pod(goodMetrics, send(500, "")), { ...options, profile: false });
  assert.deepEqual(skipped.errors, []);
  assert.equal(skipped.sample?.sites, undefined);
  const failed = await scrapePod(await pod(goodMetrics, send(500, "")), options);
  assert.equal(failed.sample?.viewers, 5);
  assert.equal(failed.sample?.sites, undefined);
});

test("scrapeAll keeps at most `concurrency` pods in flight and returns results in order", async () => {
  let inFlight = 0;
  let most = 0;
  const slowMetrics: Handler = (_req, res) => {
    most = Math.max(most, ++inFlight);
    setTimeout(() => {
      inFlight--;
      goodMetrics(_req, res);
    }, 40);
  };
  const port = await server(slowMetrics);
  const targets = Array.from({ length: 10 }, (_, i): ScrapeTarget => ({
    pod: `msrv-a-${i}`, ip: "127.0.0.1", metricsPort: port, pprofPort: port, role: "stable", revision: "rev-1", podStartMs: i,
  }));
  const results = await scrapeAll(targets, { ...options, profile: false, concurrency: 3 });
  assert.equal(most, 3);
  assert.deepEqual(results.map((r) => r.sample?.pod), targets.map((t) => t.pod));
  assert.ok(results.every((r) => r.errors.length === 0));
});

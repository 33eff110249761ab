import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { ScrapeError } from "./errors.js";
import { EXTERNAL_AFTER_GC, HEAP_AFTER_GC, MAJOR_GCS, parseMetricsBody, parseMetricsText, PUBLISHERS, RSS, VIEWERS } from "./metricsText.js";
import { GOOD_METRICS, withoutFamilies } from "./testdata/fixtures.js";

function malformed(run: () => unknown, pattern?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScrapeError);
    assert.equal(error.reason, "malformed");
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

test("a media node's metrics: after-GC memory, RSS, viewers and publishers summed over paths", () => {
  assert.deepEqual(parseMetricsText(GOOD_METRICS), {
    heapAfterGcBytes: 44512000,
    externalBytes: 9876543,
    rssBytes: 187342848,
    viewers: 5,
    publishers: 2,
    fallbacks: [],
  });
});

test("without the after-GC gauges, prom-client's current usage is read and the fallback noted", () => {
  const reading = parseMetricsText(withoutFamilies(GOOD_METRICS, HEAP_AFTER_GC, EXTERNAL_AFTER_GC));
  assert.equal(reading.heapAfterGcBytes, 61234560);
  assert.equal(reading.externalBytes, 14500000);
  assert.equal(reading.fallbacks.length, 2);
  assert.match(reading.fallbacks[0]!, /mediafleet_heap_after_gc_bytes absent: read nodejs_heap_size_used_bytes/);
});

test("a labelled gauge with no paths yet is zero; a missing family is malformed", () => {
  const idle = GOOD_METRICS.replace(/^mediafleet_viewers\{.*\n/gm, "");
  assert.equal(parseMetricsText(idle).viewers, 0);
  malformed(() => parseMetricsText(withoutFamilies(GOOD_METRICS, VIEWERS)), /mediafleet_viewers/);
  malformed(() => parseMetricsText(withoutFamilies(GOOD_METRICS, PUBLISHERS)), /mediafleet_publishers/);
  malformed(() => parseMetricsText(withoutFamilies(GOOD_METRICS, RSS)), /process_resident_memory_bytes/);
  malformed(() => parseMetricsText(withoutFamilies(GOOD_METRICS, HEAP_AFTER_GC, "nodejs_heap_size_used_bytes")), /heap/);
});

test("the last sample counts even without a trailing newline", () => {
  const text = withoutFamilies(GOOD_METRICS, PUBLISHERS, "mediafleet_nack_requests_total", "mediafleet_build_info").trimEnd() + "\nmediafleet_publishers{path=\"cam1\"} 4";
  assert.equal(parseMetricsText(text).publishers, 4);
});

test("values that are not finite non-negative numbers, bad lines and non-text bodies are malformed", () => {
  malformed(() => parseMetricsText(GOOD_METRICS.replace("mediafleet_viewers{path=\"cam2\"} 2", "mediafleet_viewers{path=\"cam2\"} NaN")));
  malformed(() => parseMetricsText(GOOD_METRICS.replace("process_resident_memory_bytes 187342848", "process_resident_memory_bytes")));
  malformed(() => parseMetricsText(GOOD_METRICS.replace("mediafleet_heap_after_gc_bytes 44512000", "mediafleet_heap_after_gc_bytes -1")));
  malformed(() => parseMetricsText(GOOD_METRICS.replace('{path="cam1"} 3', '{path=cam1} 3')));
  malformed(() => parseMetricsText("<html><body>502 Bad Gateway</body></html>\n"));
  malformed(() => parseMetricsBody(randomBytes(2048)));
  malformed(() => parseMetricsText(""));
});

test("mediafleet_major_gcs_total is read when exported (0: the after-GC series are still current usage) and absent when not", () => {
  assert.equal(parseMetricsText(GOOD_METRICS).majorGcs, undefined);
  const counted = (n: number) => `${GOOD_METRICS}# HELP ${MAJOR_GCS} major GCs\n# TYPE ${MAJOR_GCS} counter\n${MAJOR_GCS} ${n}\n`;
  assert.equal(parseMetricsText(counted(0)).majorGcs, 0);
  assert.equal(parseMetricsText(counted(17)).majorGcs, 17);
});

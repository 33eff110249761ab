import assert from "node:assert/strict";
import { test } from "node:test";
import { parseImageMap } from "../sim/imageMap.js";
import { benchImageEntries, IMAGE, leakyImage, slowLeakImage } from "./rollbackImages.js";

const shipped = parseImageMap(
  `- image: ${IMAGE("good")}\n  env: {}\n- image: ${IMAGE("good2")}\n  env: {}\n- image: ${IMAGE("leaky")}\n  env: { MEDIA_NODE_NACK_MODE: perViewer }\n`,
  { source: "test", repoRoot: "/repo" },
).entries;

test("bench images: the shipped ones, leaky copies with leaky's env, one slow leak per rate", () => {
  const entries = benchImageEntries(shipped, { leakyCopies: 3, leakRates: [2, 0.5], leakModulePath: "/repo/test/bench/rollbackLeak.mjs" });
  assert.deepEqual(entries.map((e) => e.image), [IMAGE("good"), IMAGE("good2"), IMAGE("leaky"), IMAGE("leaky-2"), IMAGE("leaky-3"), IMAGE("slowleak-2"), IMAGE("slowleak-0.5")]);
  assert.equal(leakyImage(1), IMAGE("leaky"));
  assert.deepEqual(entries.find((e) => e.image === leakyImage(3))!.env, { MEDIA_NODE_NACK_MODE: "perViewer" });
  const slow = entries.find((e) => e.image === slowLeakImage(0.5))!;
  assert.equal(slow.env.NODE_OPTIONS, "--import /repo/test/bench/rollbackLeak.mjs");
  assert.equal(slow.env.BENCH_LEAK_BYTES_PER_SECOND, "8333", "0.5 MB/min = 8333 bytes/s");
  assert.throws(() => benchImageEntries([], { leakyCopies: 1, leakRates: [], leakModulePath: "/x.mjs" }), /no ghcr.io\/mediafleet\/media-node:leaky/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { medianProfile } from "./profileMedian.js";
import { topGrowth } from "./siteDiff.js";
import type { SiteUsage } from "./types.js";

const MB = 1e6;
const site = (fn: string, bytes: number, bufferObjects: number): SiteUsage => ({ function: fn, file: `media-node/${fn}.js`, line: 1, bytes, objects: bufferObjects, bufferObjects });

test("medianProfile: a site present in one profile of three drops out; one present in all keeps its middle value", () => {
  const merged = medianProfile([
    { sites: [site("forward", 3 * MB, 900), site("protect", 2 * MB, 600)], externalBytes: 60 * MB },
    { sites: [site("forward", 4 * MB, 1000)], externalBytes: 70 * MB },
    { sites: [site("forward", 5 * MB, 1100)], externalBytes: 65 * MB },
  ])!;
  assert.deepEqual(merged.sites.map((s) => [s.function, s.bytes, s.bufferObjects]), [["forward", 4 * MB, 1000]]);
  assert.equal(merged.externalBytes, 65 * MB);
});

test("a transient site that spiked in one canary profile is not named over the retained one once profiles are merged", () => {
  const baseline = [1, 2, 3].map(() => ({ sites: [site("forward", 0.2 * MB, 50), site("protect", 0.1 * MB, 30)], externalBytes: 10 * MB }));
  const canary = [
    { sites: [site("forward", 2 * MB, 900), site("protect", 1.5 * MB, 1200)], externalBytes: 60 * MB },
    { sites: [site("forward", 2.2 * MB, 950), site("protect", 0.1 * MB, 20)], externalBytes: 62 * MB },
    { sites: [site("forward", 2.4 * MB, 1000), site("protect", 0.1 * MB, 40)], externalBytes: 64 * MB },
  ];
  const single = topGrowth(baseline[0]!, canary[0]!);
  assert.equal(single[0]!.function, "protect", "one profile alone names the transient spike");
  const merged = topGrowth(medianProfile(baseline)!, medianProfile(canary)!);
  assert.equal(merged[0]!.function, "forward");
  assert.ok(!merged.some((g) => g.function === "protect" && g.growthBytes > 1 * MB), JSON.stringify(merged));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { niceStep, renderTimeline } from "./timeline.js";

test("niceStep -> 1, 2 or 5 times a power of ten covering range/ticks", () => {
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(7, 5), 2);
  assert.equal(niceStep(0.3, 3), 0.1);
  assert.equal(niceStep(0, 5), 1);
});

test("renderTimeline -> one path per pod coloured by role, a dashed line per marker, labels escaped", () => {
  const svg = renderTimeline({
    title: "heap <per> pod",
    series: [
      { label: "demo-abc", role: "stable", points: [[0, 40e6], [10, 41e6]] },
      { label: "demo-canary-x", role: "canary", points: [[5, 40e6], [20, 120e6]] },
      { label: "empty", role: "baseline", points: [] },
    ],
    markers: [{ t: 5, label: "rollout leaky" }, { t: 20, label: "rolled back" }],
  });
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/<path /g) ?? []).length, 2, "a pod without points draws no line");
  assert.match(svg, /stroke="#d62728"/, "canary in red");
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2);
  assert.match(svg, /heap &lt;per&gt; pod/);
  assert.match(svg, /rolled back/);
  // 120 MB is the top of the data: the axis reaches 132 MB (10 % headroom), ticks every 50 MB.
  assert.match(svg, />100</);
  assert.doesNotMatch(svg, />150</);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.js";
import { createReportScheduler, TICK_MS } from "./reportScheduler.js";

function counterStub() {
  let value = 0;
  return { rtcpSenderReports: { inc: (n = 1) => void (value += n) }, value: () => value };
}

function run(intervalMs: number, viewers: number, durationMs: number) {
  const clock = new ManualClock();
  const metrics = counterStub();
  const scheduler = createReportScheduler({ intervalMs, clock, metrics: metrics as never });
  const perViewer = new Array<number>(viewers).fill(0);
  const timesPerTick = new Map<number, number>();
  for (let v = 0; v < viewers; v++) {
    scheduler.add({
      sendReport(now) {
        perViewer[v]!++;
        timesPerTick.set(now, (timesPerTick.get(now) ?? 0) + 1);
        return true;
      },
    });
  }
  clock.advance(durationMs);
  return { perViewer, timesPerTick, metrics, clock, scheduler };
}

test("interval 3 s, 20 viewers, 30 s -> 10 reports each, spread over many ticks", () => {
  const { perViewer, timesPerTick, metrics, clock } = run(3000, 20, 30_000);
  for (const n of perViewer) assert.equal(n, 10);
  assert.equal(metrics.value(), 200);
  assert.ok(timesPerTick.size >= 20 * 10 / 1, "each viewer its own slot when slots outnumber viewers");
  assert.ok(Math.max(...timesPerTick.values()) <= 1);
  assert.equal(clock.activeTimers(), 1, "one timer for all viewers");
});

test("interval 1 s -> three times as many reports as 3 s", () => {
  const one = run(1000, 20, 30_000).metrics.value();
  const three = run(3000, 20, 30_000).metrics.value();
  assert.equal(one, 600);
  assert.equal(one / three, 3);
});

test("more viewers than slots -> slots stay balanced (max - min <= 1)", () => {
  const { timesPerTick } = run(1000, 95, 1000);
  const counts = [...timesPerTick.values()];
  assert.equal(counts.length, 1000 / TICK_MS);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
});

test("removing the last viewer stops the timer; a throwing target does not stop the wheel", () => {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const scheduler = createReportScheduler({ intervalMs: 1000, clock, onError: (e) => errors.push(e) });
  let good = 0;
  const removeBad = scheduler.add({ sendReport: () => { throw new Error("boom"); } });
  const removeGood = scheduler.add({ sendReport: () => (good++, true) });
  clock.advance(3000);
  assert.equal(good, 3);
  assert.equal(errors.length, 3);
  removeBad();
  removeGood();
  removeGood();
  assert.equal(scheduler.size(), 0);
  assert.equal(clock.activeTimers(), 0);
});

test("interval shorter than one tick -> RangeError", () => {
  assert.throws(() => createReportScheduler({ intervalMs: 10 }), RangeError);
});

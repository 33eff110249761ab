import assert from "node:assert/strict";
import { test } from "node:test";
import { churnEvents, churnSchedule, populationAt, profileTimes, restartTimes } from "./soakChurn.js";

const options = { seed: 7, durationS: 1800, target: 30, paths: ["live", "ingest"] };

test("churnSchedule -> never more than the target alive, at any join or leave", () => {
  const plan = churnSchedule(options);
  let alive = 0;
  let peak = 0;
  for (const e of churnEvents(plan)) {
    alive += e.kind === "join" ? 1 : -1;
    peak = Math.max(peak, alive);
  }
  assert.equal(alive, 0, "everyone who joined left");
  assert.equal(peak, 30);
  assert.ok(populationAt(plan, 900) >= 25, `mid-run population ${populationAt(plan, 900)}`);
});

test("churnSchedule -> every lifetime in 10..120 s, every viewer gone by the end", () => {
  const plan = churnSchedule(options);
  for (const v of plan) {
    const life = v.leaveAtS - v.joinAtS;
    assert.ok(life >= 10 && life <= 120, `${v.id} lives ${life} s`);
    assert.ok(v.leaveAtS <= 1800, `${v.id} leaves at ${v.leaveAtS}`);
  }
  // ~30 slots × 1800 s / ~66 s mean life: several hundred viewers.
  assert.ok(plan.length > 600 && plan.length < 1100, `${plan.length} viewers`);
  assert.ok(populationAt(plan, 1790) >= 20, "slots stay filled almost to the end");
});

test("churnSchedule -> a slot's next viewer joins after the previous one left; first joins spread over the ramp", () => {
  const plan = churnSchedule({ ...options, rampS: 20 });
  for (let slot = 0; slot < 30; slot++) {
    const mine = plan.filter((v) => v.slot === slot);
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.joinAtS >= mine[i - 1]!.leaveAtS + 1 - 1e-9);
  }
  const first = Array.from({ length: 30 }, (_, slot) => plan.find((v) => v.slot === slot)!.joinAtS);
  assert.ok(Math.max(...first) < 20);
  assert.equal(new Set(first.map((t) => Math.floor(t / 5))).size, 4, "spread over four 5-s windows");
});

test("churnSchedule -> same seed same plan; shares of lossy, vanishing and per-path viewers as asked", () => {
  const a = churnSchedule(options);
  assert.deepEqual(churnSchedule(options), a);
  assert.notDeepEqual(churnSchedule({ ...options, seed: 8 }), a);
  const share = (pick: (v: (typeof a)[number]) => boolean) => a.filter(pick).length / a.length;
  assert.ok(Math.abs(share((v) => v.lossy) - 1 / 3) < 0.06);
  assert.ok(Math.abs(share((v) => v.leave === "vanish") - 0.2) < 0.05);
  assert.ok(Math.abs(share((v) => v.path === "live") - 0.5) < 0.06);
  assert.equal(new Set(a.map((v) => v.id)).size, a.length, "ids unique");
  assert.equal(churnSchedule({ ...options, lossyFraction: 0 }).filter((v) => v.lossy).length, 0);
});

test("churnSchedule -> bad lifetimes, target or paths are refused naming the field", () => {
  assert.throws(() => churnSchedule({ ...options, minLifeS: 0 }), /lifetimes/);
  assert.throws(() => churnSchedule({ ...options, target: 2.5 }), /target/);
  assert.throws(() => churnSchedule({ ...options, paths: [] }), /paths/);
  assert.deepEqual(churnSchedule({ ...options, durationS: 5 }), [], "shorter than a lifetime: nobody joins");
});

test("churnEvents -> time order, a leave before a join at the same instant", () => {
  const v = (id: string, joinAtS: number, leaveAtS: number) => ({ id, slot: 0, path: "p", joinAtS, leaveAtS, lossy: false, leave: "delete" as const, seed: 1 });
  const events = churnEvents([v("a", 0, 10), v("b", 10, 20)]);
  assert.deepEqual(events.map((e) => `${e.kind}:${e.viewer.id}`), ["join:a", "leave:a", "join:b", "leave:b"]);
});

test("restartTimes -> every period, none in the last half period", () => {
  assert.deepEqual(restartTimes(600, 180), [180, 360]);
  assert.deepEqual(restartTimes(1800, 180), [180, 360, 540, 720, 900, 1080, 1260, 1440, 1620]);
  assert.deepEqual(restartTimes(100, 0), []);
});

test("profileTimes -> a minute in, every period, a minute before the end; none in a run too short to compare", () => {
  assert.deepEqual(profileTimes(1800, 300), [60, 300, 600, 900, 1200, 1500, 1740]);
  assert.deepEqual(profileTimes(600, 300), [60, 300, 540]);
  assert.deepEqual(profileTimes(180, 300), [60, 120]);
  assert.deepEqual(profileTimes(100, 300), []);
});

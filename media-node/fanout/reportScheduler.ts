/**
 * ONE process-wide timer wheel for RTCP sender reports. The interval is cut into slots of
 * TICK_MS; each viewer gets the least-loaded slot when it joins, and each tick sends the
 * reports of one slot, so N viewers cost one timer and their reports are spread over the
 * interval instead of bursting (werift instead runs one async sleep loop per sender).
 */
import type { MediaCounters } from "./mediaCounters.js";
import { systemClock } from "./clock.js";
import type { Clock, ReportScheduler, ReportTarget } from "./types.js";

export const TICK_MS = 100;

export interface ReportSchedulerOptions {
  intervalMs: number;
  metrics?: Pick<MediaCounters, "rtcpSenderReports">;
  clock?: Clock;
  /** A target whose sendReport throws is counted here and kept; the wheel never stops for it. */
  onError?: (error: unknown) => void;
}

export function createReportScheduler(options: ReportSchedulerOptions): ReportScheduler {
  const { intervalMs, metrics } = options;
  if (!Number.isFinite(intervalMs) || intervalMs < TICK_MS) {
    throw new RangeError(`rtcpReportInterval must be at least ${TICK_MS} ms, got ${intervalMs}`);
  }
  const clock = options.clock ?? systemClock;
  const slotCount = Math.max(1, Math.round(intervalMs / TICK_MS));
  const tickMs = intervalMs / slotCount;
  const slots: Set<ReportTarget>[] = Array.from({ length: slotCount }, () => new Set());
  let total = 0;
  let cursor = 0;
  let timer: unknown;
  let nextDue = 0;
  let closed = false;

  // Timers fire late, never early: a tick serves every slot that is due by now, so the
  // interval holds on average instead of stretching by the timer's drift.
  const tick = () => {
    const now = clock.now();
    let guard = slotCount;
    while (now >= nextDue && guard-- > 0) {
      serve(slots[cursor]!, now);
      cursor = (cursor + 1) % slotCount;
      nextDue += tickMs;
    }
    if (now >= nextDue) nextDue = now + tickMs; // stalled for a whole interval: skip, don't burst
  };

  const serve = (slot: Set<ReportTarget>, now: number) => {
    if (slot.size === 0) return;
    let sent = 0;
    for (const target of slot) {
      try {
        if (target.sendReport(now)) sent++;
      } catch (error) {
        options.onError?.(error);
      }
    }
    if (sent > 0) metrics?.rtcpSenderReports.inc(sent);
  };

  const leastLoaded = () => {
    // start the search just after the cursor so a newcomer's first report comes soon
    let best = cursor;
    for (let k = 0; k < slotCount; k++) {
      const i = (cursor + k) % slotCount;
      if (slots[i]!.size < slots[best]!.size) best = i;
    }
    return best;
  };

  return {
    intervalMs,
    add(target) {
      if (closed) throw new Error("report scheduler is closed");
      const slot = slots[leastLoaded()]!;
      slot.add(target);
      total++;
      if (timer === undefined) {
        nextDue = clock.now() + tickMs;
        timer = clock.setInterval(tick, tickMs);
      }
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        slot.delete(target);
        total--;
        if (total === 0 && timer !== undefined) {
          clock.clearInterval(timer);
          timer = undefined;
        }
      };
    },
    size: () => total,
    close() {
      if (closed) return;
      closed = true;
      for (const slot of slots) slot.clear();
      total = 0;
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
    },
  };
}

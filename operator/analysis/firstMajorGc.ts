/**
 * Which scrapes may enter a comparison: a pod's memory reading counts only once the pod has run
 * its first major GC.
 *
 * The media node exports heap and external memory as read right after the last major GC
 * (media-node/observe/gcMemory.ts), and before the first one its current values, garbage
 * included. Measured on this build (loopback, the e2e's 250 packets/s test pattern, /metrics
 * read every second): with 2 viewers the first major GC came 46–52 s after Ready in 4 of 5 runs
 * (2 s in the fifth); until then heap + external read 33–56 MB, rising through each scavenge
 * cycle and falling back, where the same pods read 27–40 MB after their major GCs. Against a pod
 * past its first GC such a pod looks 10–25 MB heavier at whatever phase the scrape hits: the
 * rollback benchmark's false HeapRegression at 17 s (rollout 12 of
 * bench-results/rollback-2026-12-02T15-22-05.json) was a canary reading 41–53 MB, different at
 * every scrape, against a baseline steady after its GCs at 29–32 MB.
 *
 * The wait is bounded by V8, not by us: an idle pod's memory reducer ran the first major GC 5 and
 * 16 s after Ready, a pod with 6 viewers 4–7 s after; the lightly loaded pod is the slow one, about
 * a minute. Rounds before it are not counted; if the window ends with too few left, the analysis
 * is Inconclusive (InsufficientData, saying which pod had not run one), never Failed or Passed on
 * readings that were not comparable.
 *
 * A node that does not export the count (undefined: a build before the counter) is counted as
 * before: there is nothing to wait for, and refusing it would leave every analysis of such a
 * build Inconclusive.
 */
import type { PodSample } from "./types.js";

/** status.analysis.reason while the latest round was not counted for this. */
export const WAITING_FOR_MAJOR_GC = "WaitingForMajorGC";

export function afterFirstMajorGc(sample: Pick<PodSample, "majorGcs">): boolean {
  return sample.majorGcs === undefined || sample.majorGcs >= 1;
}

/** Why a round of these samples may not be compared, naming each pod before its first major GC; undefined when it may. */
export function beforeFirstMajorGc(samples: ReadonlyArray<Pick<PodSample, "pod" | "role" | "majorGcs">>): string | undefined {
  const young = samples.filter((s) => !afterFirstMajorGc(s));
  if (young.length === 0) return undefined;
  const names = young.map((s) => `the ${s.role} (${s.pod})`).join(" and ");
  return `${names} had run no major GC yet (until its first one a pod reports its current memory, garbage included, not comparable with a pod past its GCs)`;
}

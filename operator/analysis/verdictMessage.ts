/**
 * The one-line messages of a verdict. A person reads them in `kubectl describe` and in events,
 * so every line carries the two numbers compared, the difference in %, and the rule with its
 * thresholds; MB are 10^6 bytes.
 */
import type { CompareSettings, Estimate, Evaluation } from "./compare.js";

export const mb = (bytes: number, digits = 1): string => `${(bytes / 1e6).toFixed(digits)} MB`;
const signed = (v: number, digits = 1): string => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
const signedMb = (bytes: number, digits = 1): string => `${bytes >= 0 ? "+" : "-"}${mb(Math.abs(bytes), digits)}`;
const percent = (part: number, whole: number): string => (whole > 0 ? `${signed((100 * part) / whole)} %` : "n/a %");
const duration = (seconds: number): string => (seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`);
const confidence = (s: CompareSettings): string => `${Math.round(s.confidence * 1000) / 10} %`;

function where(e: Evaluation, s: CompareSettings): string {
  if (s.normalizeBy === "none") return "";
  if (e.reference.ownLoad) return ` at their own loads (${e.meanViewers.canary.toFixed(1)} vs ${e.meanViewers.baseline.toFixed(1)} viewers)`;
  return ` at ${e.reference.viewers.toFixed(1)} viewers`;
}

/**
 * The fixed / per-viewer split with its uncertainty: when viewers barely moved the two trade off
 * against each other, and "-1.65 ± 9.00 MB per viewer" says so where a bare "-1.65" would mislead.
 */
function perViewer(e: Evaluation): string {
  if (!e.perViewer) return "";
  const pm = (x: Estimate, digits: number): string => `${(x.value / 1e6).toFixed(digits)} ± ${((x.high - x.value) / 1e6).toFixed(digits)} MB`;
  return `; per viewer ${pm(e.perViewer.canary, 2)} vs ${pm(e.perViewer.baseline, 2)}, fixed ${pm(e.fixed!.canary, 1)} vs ${pm(e.fixed!.baseline, 1)}`;
}

function growth(e: Evaluation): string {
  if (!e.growthPerHour) return "";
  const d = e.growthPerHour.canary.value - e.growthPerHour.baseline.value;
  return `; growth ${signedMb(d)}/h vs baseline`;
}

/** "canary 88.0 MB vs baseline 87.5 MB at 40.0 viewers (+0.6 %); per viewer ...; growth ..." */
export function describeLevel(e: Evaluation, s: CompareSettings): string {
  const c = e.canaryLevel.value;
  const b = e.baselineLevel.value;
  return `canary ${mb(c)} vs baseline ${mb(b)}${where(e, s)} (${percent(c - b, b)})${perViewer(e)}${growth(e)}; budget: ${s.maxRegressionPercent} % and ${mb(s.minRegressionBytes)}`;
}

export function describeFailure(e: Evaluation, reason: "HeapRegression" | "HeapGrowth", s: CompareSettings): string {
  const budget = `both ${s.maxRegressionPercent} % of the baseline (${mb((s.maxRegressionPercent / 100) * e.baselineLevel.value)}) and ${mb(s.minRegressionBytes)}`;
  if (reason === "HeapRegression") {
    const c = e.canaryLevel.value;
    const b = e.baselineLevel.value;
    return (
      `HeapRegression: canary ${mb(c)} vs baseline ${mb(b)}${where(e, s)} (${percent(c - b, b)}, ` +
      `at least ${signedMb(e.level.low)} at ${confidence(s)} confidence) exceeds ${budget}${perViewer(e)}`
    );
  }
  const g = e.growth!;
  const horizon = e.growthHorizonSeconds ?? s.leakHorizonSeconds;
  const perHour = (v: number): string => `${mb((v / horizon) * 3600)}/h`;
  return (
    `HeapGrowth: canary grows ${perHour(g.value)} faster than the baseline (at least ${perHour(g.low)} at ${confidence(s)} confidence); ` +
    `over ${duration(horizon)} that is at least ${mb(g.low)}, exceeding ${budget}`
  );
}

export function describeHistory(
  e: Evaluation,
  h: { lastGoodBytes: number; excess: { value: number; low: number }; threshold: number; regressed: boolean },
  lastGood: { fixedBytes: number; bytesPerViewer: number },
  s: CompareSettings,
): string {
  const parts = [`vs last good: canary ${mb(e.canaryLevel.value)}, last good model ${mb(h.lastGoodBytes)}${where(e, s)} (${percent(h.excess.value, h.lastGoodBytes)})`];
  if (e.fixed && e.perViewer) {
    parts.push(`fixed ${mb(e.fixed.canary.value)} (was ${mb(lastGood.fixedBytes)}), per viewer ${mb(e.perViewer.canary.value, 2)} (was ${mb(lastGood.bytesPerViewer, 2)})`);
  }
  parts.push(h.regressed ? `regressed beyond ${mb(h.threshold)} (second opinion only)` : "within budget");
  return parts.join("; ");
}

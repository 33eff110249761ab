/**
 * The numbers the heap analysis needs, read from a media node's Prometheus text.
 * The judged memory is heap + external right after the last major GC (media-node exports
 * those as `mediafleet_*_after_gc_bytes`); a node that does not export them yet is read
 * from prom-client's current-usage gauges instead, and the result says so, because current
 * usage includes garbage and is noisier.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { ScrapeError } from "./errors.js";

export interface MetricsReading {
  heapAfterGcBytes: number;
  externalBytes: number;
  rssBytes: number;
  /** Sum over all `path` labels. */
  viewers: number;
  publishers: number;
  /** Major GCs the node has run; absent when it does not export the count. 0: the after-GC series are current usage. */
  majorGcs?: number;
  /** One sentence per series read from a fallback; empty when the preferred series were there. */
  fallbacks: string[];
}

export const HEAP_AFTER_GC = "mediafleet_heap_after_gc_bytes";
export const EXTERNAL_AFTER_GC = "mediafleet_external_after_gc_bytes";
export const HEAP_USED_FALLBACK = "nodejs_heap_size_used_bytes";
export const EXTERNAL_FALLBACK = "nodejs_external_memory_bytes";
export const RSS = "process_resident_memory_bytes";
export const VIEWERS = "mediafleet_viewers";
export const PUBLISHERS = "mediafleet_publishers";
export const MAJOR_GCS = "mediafleet_major_gcs_total";

type Families = Map<string, Array<string | undefined>>;

/** The parser keeps values as text and accepts anything there; counts and bytes are finite and >= 0. */
function sampleValue(name: string, raw: string | undefined): number {
  // Number("") is 0: a sample line without a value must not read as zero.
  const value = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new ScrapeError("malformed", `metrics: ${name} has value ${JSON.stringify(raw)}`);
  return value;
}

function readFamilies(text: string): Families {
  let parsed: parsePrometheusTextFormat.MetricFamily[];
  try {
    // The parser drops the last sample when the text does not end with a newline.
    parsed = parsePrometheusTextFormat(text.endsWith("\n") ? text : `${text}\n`);
  } catch (error) {
    throw new ScrapeError("malformed", `metrics: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // A name may come back as several families if its lines are not contiguous: merge them.
  const families: Families = new Map();
  for (const family of parsed) {
    const values = families.get(family.name) ?? [];
    values.push(...family.metrics.map((m) => m.value));
    families.set(family.name, values);
  }
  return families;
}

/** Sum over labels; undefined when the family is absent, or present without samples and `emptyIsZero` is off. */
function sum(families: Families, name: string, emptyIsZero: boolean): number | undefined {
  const values = families.get(name);
  if (!values || (values.length === 0 && !emptyIsZero)) return undefined;
  return values.reduce<number>((total, raw) => total + sampleValue(name, raw), 0);
}

function required(value: number | undefined, name: string): number {
  if (value === undefined) throw new ScrapeError("malformed", `metrics: no ${name} series`);
  return value;
}

/** The body as UTF-8 (the exposition format's encoding); invalid UTF-8 is malformed, not replaced. */
export function parseMetricsBody(body: Uint8Array): MetricsReading {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch (error) {
    throw new ScrapeError("malformed", "metrics: body is not UTF-8 text", { cause: error });
  }
  return parseMetricsText(text);
}

/** Throws ScrapeError("malformed") on unreadable text, a non-numeric value or a missing series. */
export function parseMetricsText(text: string): MetricsReading {
  const families = readFamilies(text);
  const fallbacks: string[] = [];
  const preferred = (name: string, fallback: string): number => {
    const value = sum(families, name, false);
    if (value !== undefined) return value;
    fallbacks.push(`${name} absent: read ${fallback} (current usage, not after a GC)`);
    return required(sum(families, fallback, false), `${name} or ${fallback}`);
  };
  const majorGcs = sum(families, MAJOR_GCS, false);
  return {
    heapAfterGcBytes: preferred(HEAP_AFTER_GC, HEAP_USED_FALLBACK),
    externalBytes: preferred(EXTERNAL_AFTER_GC, EXTERNAL_FALLBACK),
    rssBytes: required(sum(families, RSS, false), RSS),
    // A labelled gauge with no paths yet is printed as HELP/TYPE lines only: zero, not missing.
    viewers: required(sum(families, VIEWERS, true), VIEWERS),
    publishers: required(sum(families, PUBLISHERS, true), PUBLISHERS),
    ...(majorGcs !== undefined ? { majorGcs } : {}),
    fallbacks,
  };
}

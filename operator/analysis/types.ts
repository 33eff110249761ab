/**
 * The data the heap analysis works on: what one scrape of one pod yields (`PodSample`), the
 * per-site view of its heap profile (`SiteUsage`), and the series the verdict is computed
 * from. The scraper (operator/scrape) produces these; the analysis (operator/analysis) and
 * the rollout policy (operator/rollout) consume them. Plain data, no I/O, no Kubernetes types.
 */

/** Which part of a MediaServer a pod belongs to. */
export type PodRole = "stable" | "canary" | "baseline";

/**
 * One allocation site of a heap profile, folded: every sample whose owner frame is this
 * function in this file adds to it. The owner frame is the first frame of the stack (leaf
 * first) that is NOT Node-internal (`node:` files, empty file names, `(external)`, the
 * synthetic `(unsampled ...)` entry), so `Buffer.from` resolves to the project or library
 * function that called it.
 */
export interface SiteUsage {
  function: string;
  /** Repository- or package-relative file ("media-node/fanout/forwardedTrack.ts", "werift/lib/..."). */
  file: string;
  /** Line of the owner frame (informational: sites are matched by function + file, lines move). */
  line: number;
  /** inuse_space attributed to this site (JS heap bytes of the sampled objects). */
  bytes: number;
  /** inuse_objects attributed to this site. */
  objects: number;
  /**
   * Of `objects`, those that are Buffers / ArrayBuffers / typed arrays (the stack passes through
   * `node:buffer` or the leaf is an ArrayBuffer/typed-array constructor). Their backing stores
   * are counted in external memory, not in `bytes`: external growth is attributed by these counts.
   */
  bufferObjects: number;
}

/** One scrape of one pod. Memory judged = heapAfterGcBytes + externalBytes. */
export interface PodSample {
  pod: string;
  /** Revision key of the pod (label mediafleet.io/revision). */
  revision: string;
  role: PodRole;
  /** Pod start time, ms since the epoch. */
  podStartMs: number;
  /** When the scrape completed, ms since the epoch. */
  timeMs: number;
  /** JS heap in use right after the last major GC (never forced by the scraper). */
  heapAfterGcBytes: number;
  /** External memory (Buffers, ArrayBuffers, native memory V8 is told about). */
  externalBytes: number;
  /**
   * Major GCs the pod has run (`mediafleet_major_gcs_total`); undefined when the node does not
   * export the count. At 0 the two readings above are the pod's current usage, garbage included
   * (firstMajorGc.ts).
   */
  majorGcs?: number;
  rssBytes: number;
  viewers: number;
  publishers: number;
  /** Folded heap profile; undefined when the profile could not be fetched or decoded. */
  sites?: SiteUsage[];
}

export type ScrapeErrorReason = "timeout" | "refused" | "unauthorized" | "http_error" | "too_large" | "malformed";

/** One point of a series the verdict is computed from. */
export interface SeriesPoint {
  /** Seconds since the analysis started. */
  t: number;
  /** heap after GC + external, bytes. */
  bytes: number;
  viewers: number;
}

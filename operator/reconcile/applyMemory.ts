/**
 * Skips server-side applies that cannot change anything, so a resync or a Deployment status
 * update costs no write. An apply is needed unless ALL of:
 * - this process applied exactly this desired object before (same content hash), and
 * - the cached live object is the one that apply produced (same resourceVersion), or it
 *   still contains every field we want with our values (someone else's change elsewhere,
 *   or the controller writing status, leaves our fields alone).
 * After a restart nothing is remembered, so each object is applied once: that apply also
 * drops fields an older desired state set and this one does not (SSA ownership does that).
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../common/canonicalJson.js";

interface AppliedRecord {
  hash: string;
  resourceVersion: string | undefined;
}

export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("base64url").slice(0, 22);
}

/**
 * True when every field of `desired` is in `live` with the same value. Arrays must have the
 * same length and match item by item (our lists are small and ordered: containers, ports).
 * Numbers equal to numeric strings count as equal (the API server may print 1 as "1").
 */
export function containsDesired(desired: unknown, live: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== "object") {
    if (desired === live) return true;
    return typeof desired === "number" && typeof live === "string" && String(desired) === live;
  }
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((item, i) => containsDesired(item, live[i]));
  }
  if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
  return Object.entries(desired as Record<string, unknown>).every(([key, value]) => containsDesired(value, (live as Record<string, unknown>)[key]));
}

export class ApplyMemory {
  private readonly records = new Map<string, AppliedRecord>();

  /** `live` is the cached object (undefined when the cache has none). */
  needsApply(objectId: string, desired: object, live: { metadata?: { resourceVersion?: string } } | undefined): boolean {
    const record = this.records.get(objectId);
    if (!record || !live || record.hash !== contentHash(desired)) return true;
    if (record.resourceVersion !== undefined && live.metadata?.resourceVersion === record.resourceVersion) return false;
    if (!containsDesired(desired, live)) return true;
    record.resourceVersion = live.metadata?.resourceVersion;
    return false;
  }

  remember(objectId: string, desired: object, resourceVersion: string | undefined): void {
    this.records.set(objectId, { hash: contentHash(desired), resourceVersion });
  }

  forget(objectId: string): void {
    this.records.delete(objectId);
  }

  /** Forgets every object whose id starts with `prefix` (all objects of a deleted MediaServer). */
  forgetPrefix(prefix: string): void {
    for (const id of [...this.records.keys()]) if (id.startsWith(prefix)) this.records.delete(id);
  }

  get size(): number {
    return this.records.size;
  }
}

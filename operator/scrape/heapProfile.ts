/**
 * A media node's `/debug/pprof/heap` (gzipped pprof from @datadog/pprof's sampling heap
 * profiler) folded into allocation sites: each sample is charged to its owner, the first
 * frame that is not Node-internal, so `Buffer.from` inside werift shows up as the werift
 * function that asked for the Buffer. The two synthetic samples media-node appends are
 * process totals, not sites, and come back as separate numbers:
 *   totalBytes = sum(sites.bytes) + externalBytes + unsampledBytes.
 */
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { Profile } from "pprof-format";
import type { SiteUsage } from "../analysis/types.js";
import { ScrapeError } from "./errors.js";
import { type Frame, isBufferAllocation, isInternal, shortFile, stripFileUrl } from "./frames.js";

const gunzipAsync = promisify(gunzip);

/** A pprof protobuf is typically 5-10x its gzip; this bounds a gzip bomb, not a real profile. */
export const PROFILE_MAX_INFLATED_BYTES = 64 * 1024 * 1024;
export const NODE_INTERNALS_SITE = "(node internals)";
const EXTERNAL_FUNCTION = "(external)";
const UNSAMPLED_PREFIX = "(unsampled";

export interface FoldedProfile {
  /** Largest `bytes` first. */
  sites: SiteUsage[];
  /** inuse_space of every sample, synthetic ones included (what `go tool pprof` shows as total). */
  totalBytes: number;
  /** The `(external)` sample: process external memory, which the sampler cannot attribute. */
  externalBytes: number;
  /** The `(unsampled: ...)` sample: JS heap that existed before sampling started. */
  unsampledBytes: number;
}

export async function inflateProfile(gz: Uint8Array, maxInflatedBytes = PROFILE_MAX_INFLATED_BYTES): Promise<Buffer> {
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) throw new ScrapeError("malformed", "profile: not gzip data");
  try {
    return await gunzipAsync(gz, { maxOutputLength: maxInflatedBytes });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new ScrapeError("too_large", `profile: inflates to more than ${maxInflatedBytes} bytes`, { cause: error });
    throw new ScrapeError("malformed", `profile: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Leaf-first frames of every location (a location lists inlined frames callee first). */
function locationFrames(profile: Profile): Map<number, Frame[]> {
  const str = (index: unknown) => profile.stringTable.strings[Number(index)] ?? "";
  const functions = new Map(profile.function.map((f) => [Number(f.id), { name: str(f.name), file: stripFileUrl(str(f.filename)) }]));
  const frames = new Map<number, Frame[]>();
  for (const location of profile.location) {
    const lines = location.line.map((line) => {
      const fn = functions.get(Number(line.functionId));
      if (!fn) throw new ScrapeError("malformed", `profile: location ${location.id} names unknown function ${line.functionId}`);
      return { ...fn, line: Number(line.line) };
    });
    frames.set(Number(location.id), lines);
  }
  return frames;
}

function sampleTypeIndex(profile: Profile, type: string): number {
  const index = profile.sampleType.findIndex((t) => profile.stringTable.strings[Number(t.type)] === type);
  if (index < 0) throw new ScrapeError("malformed", `profile: no ${type} sample type`);
  return index;
}

interface SiteTotals extends SiteUsage {
  /** bytes per owner line; the line reported is the one holding the most. */
  lineBytes: Map<number, number>;
}

export function foldProfile(profile: Profile): FoldedProfile {
  const space = sampleTypeIndex(profile, "inuse_space");
  const objectsAt = sampleTypeIndex(profile, "inuse_objects");
  const frames = locationFrames(profile);
  const sites = new Map<string, SiteTotals>();
  const folded = { totalBytes: 0, externalBytes: 0, unsampledBytes: 0 };

  for (const sample of profile.sample) {
    const bytes = Number(sample.value[space] ?? 0);
    const objects = Number(sample.value[objectsAt] ?? 0);
    folded.totalBytes += bytes;
    const stack = sample.locationId.flatMap((id) => {
      const found = frames.get(Number(id));
      if (!found) throw new ScrapeError("malformed", `profile: sample names unknown location ${id}`);
      return found;
    });
    const leaf = stack[0];
    if (leaf?.name === EXTERNAL_FUNCTION) {
      folded.externalBytes += bytes;
      continue;
    }
    if (leaf?.name.startsWith(UNSAMPLED_PREFIX)) {
      folded.unsampledBytes += bytes;
      continue;
    }
    const ownerAt = stack.findIndex((frame) => !isInternal(frame));
    const owner = ownerAt >= 0 ? stack[ownerAt] : undefined;
    const fn = owner?.name ?? NODE_INTERNALS_SITE;
    const file = owner ? shortFile(owner.file) : "";
    const key = `${fn}\u0000${file}`;
    let site = sites.get(key);
    if (!site) sites.set(key, (site = { function: fn, file, line: 0, bytes: 0, objects: 0, bufferObjects: 0, lineBytes: new Map() }));
    site.bytes += bytes;
    site.objects += objects;
    if (isBufferAllocation(ownerAt >= 0 ? stack.slice(0, ownerAt) : stack)) site.bufferObjects += objects;
    const line = owner?.line ?? 0;
    site.lineBytes.set(line, (site.lineBytes.get(line) ?? 0) + bytes);
  }

  const result = [...sites.values()].map(({ lineBytes, ...site }): SiteUsage => {
    const [line] = [...lineBytes].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    return { ...site, line };
  });
  return { ...folded, sites: result.sort((a, b) => b.bytes - a.bytes) };
}

export function decodeProfile(raw: Uint8Array): Profile {
  try {
    return Profile.decode(raw);
  } catch (error) {
    throw new ScrapeError("malformed", `profile: not a pprof protobuf (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

/** gzip bytes as served by /debug/pprof/heap -> folded sites; throws ScrapeError. */
export async function readHeapProfile(gz: Uint8Array, options: { maxInflatedBytes?: number } = {}): Promise<FoldedProfile> {
  return foldProfile(decodeProfile(await inflateProfile(gz, options.maxInflatedBytes)));
}

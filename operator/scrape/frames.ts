/**
 * How one stack frame of a V8 heap profile is classified: Node-internal or not (the owner
 * of an allocation is the first frame that is not), part of a Buffer allocation or not, and
 * how its file is named so that the same site matches across pods, images and checkouts.
 */

export interface Frame {
  name: string;
  /** As in the profile, minus a `file://` prefix. */
  file: string;
  line: number;
}

/**
 * Names V8 and @datadog/pprof give to things that are not JS functions. Named ones with an
 * empty file are caught by the file test anyway; the names are matched too so that such a
 * sample is never made a site even if a profiler attaches a file to it.
 */
const SYNTHETIC_NAME = /^\((external|unsampled\b|program|garbage collector|idle|root)/;

/** `node:` modules, V8 builtins (`push`, `Uint8Array`: empty file) and the synthetic entries. */
export function isInternal(frame: Frame): boolean {
  return frame.file === "" || frame.file.startsWith("node:") || SYNTHETIC_NAME.test(frame.name);
}

/** Frames of Buffer.from/alloc/allocUnsafe and of FastBuffer (Buffer's real class, in internal/buffer). */
const BUFFER_FILES = new Set(["node:buffer", "node:internal/buffer"]);

/** V8 names the builtin constructor as the leaf frame (file "") when JS code makes one directly. */
const BUFFER_CONSTRUCTORS = new Set([
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Buffer",
  "FastBuffer",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int8Array",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
]);

/**
 * Whether a sample allocated a Buffer-like object, judged on the frames below its owner
 * (leaf first; all frames when it has no owner).
 */
export function isBufferAllocation(belowOwner: Frame[]): boolean {
  const leaf = belowOwner[0];
  if (leaf && BUFFER_CONSTRUCTORS.has(leaf.name)) return true;
  return belowOwner.some((frame) => BUFFER_FILES.has(frame.file));
}

const NODE_MODULES = "node_modules/";
const PROJECT_ROOTS = ["media-node/", "operator/"];

/**
 * A checkout- and image-independent file name: package-relative inside node_modules (the
 * innermost one: nested copies are the package that ran), repository-relative inside
 * media-node/ or operator/ (also under dist/), else the base name.
 */
export function shortFile(file: string): string {
  const nm = file.lastIndexOf(NODE_MODULES);
  if (nm >= 0) return file.slice(nm + NODE_MODULES.length);
  let at = -1;
  for (const root of PROJECT_ROOTS) {
    if (file.startsWith(root)) at = Math.max(at, 0);
    const inside = file.lastIndexOf(`/${root}`);
    if (inside >= 0) at = Math.max(at, inside + 1);
  }
  return at >= 0 ? file.slice(at) : file.slice(file.lastIndexOf("/") + 1);
}

export function stripFileUrl(file: string): string {
  return file.startsWith("file://") ? file.slice("file://".length) : file;
}

/**
 * Side-effect module: starts heap sampling the moment it is imported. main.ts imports it
 * FIRST, so werift, the config loader and everything after them appear in heap profiles
 * as real allocation sites instead of the unsampled baseline.
 * `MEDIA_NODE_HEAP_SAMPLING_BYTES` overrides the sampling interval (bytes between samples).
 */
import { DEFAULT_HEAP_SAMPLING_BYTES, startHeapSampling } from "./heapProfile.js";

const raw = process.env.MEDIA_NODE_HEAP_SAMPLING_BYTES;
const intervalBytes = raw && /^[0-9]+$/.test(raw) ? Number(raw) : DEFAULT_HEAP_SAMPLING_BYTES;
startHeapSampling({ intervalBytes });

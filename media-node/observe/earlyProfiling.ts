/**
 * Side-effect module: starts heap sampling the moment it is imported. main.ts imports it
 * FIRST, so werift, the config loader and everything after them appear in heap profiles
 * as real allocation sites instead of the unsampled baseline.
 * `MEDIA_NODE_HEAP_SAMPLING_BYTES` overrides the sampling interval (bytes between samples).
 */
import { heapSamplingBytesFromEnv } from "../config/env.js";
import { DEFAULT_HEAP_SAMPLING_BYTES, startHeapSampling } from "./heapProfile.js";

let intervalBytes: number;
try {
  intervalBytes = heapSamplingBytesFromEnv(process.env, DEFAULT_HEAP_SAMPLING_BYTES);
} catch (error) {
  // as a bad config does: say what is wrong and exit 1 before anything listens
  process.stderr.write(`media-node: ${(error as Error).message}\n`);
  process.exit(1);
}
startHeapSampling({ intervalBytes });

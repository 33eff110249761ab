/**
 * Chooses the fan-out implementation: `lean` (media-node/fanout: shared NACK history,
 * per-viewer header rewrite, one report wheel; the default) or werift's `stock` sender
 * path, kept because the benchmark measures against it. Internal switch, not a config
 * knob: env MEDIA_NODE_FANOUT=stock|lean.
 */
import { createFanoutSource } from "../fanout/index.js";
import type { FanoutSource, FanoutSourceOptions } from "../fanout/types.js";
import { createStockFanoutSource } from "./stockFanout.js";

export type FanoutKind = "stock" | "lean";
export type FanoutFactory = (options: FanoutSourceOptions) => FanoutSource;

export function fanoutKindFromEnv(env: NodeJS.ProcessEnv = process.env): FanoutKind {
  const raw = env.MEDIA_NODE_FANOUT;
  if (raw === undefined || raw === "" || raw === "lean") return "lean";
  if (raw === "stock") return "stock";
  throw new Error(`MEDIA_NODE_FANOUT must be "stock" or "lean", got "${raw}"`);
}

export function fanoutFactory(kind: FanoutKind): FanoutFactory {
  return kind === "stock" ? createStockFanoutSource : createFanoutSource;
}

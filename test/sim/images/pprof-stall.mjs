// Fault module of the sim image ghcr.io/mediafleet/media-node:pprof-stall (test/sim/images.yaml),
// loaded with `NODE_OPTIONS=--import`: /debug/pprof/heap never answers (the connection stays
// open until the client gives up), as a wedged profiler would. Everything else is the build as
// is. Bounded: at most 32 requests are held; beyond that the oldest connection is dropped.
// Test-only.
import { interceptHeapProfile } from './pprofHeapFault.mjs';

const MAX_HELD = 32;
const held = new Set();

interceptHeapProfile((_req, res) => {
  held.add(res);
  res.once('close', () => held.delete(res));
  if (held.size > MAX_HELD) {
    const oldest = held.values().next().value;
    held.delete(oldest);
    oldest.destroy();
  }
});

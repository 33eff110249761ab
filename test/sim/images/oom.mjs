// Fault module of the sim image ghcr.io/mediafleet/media-node:oom (test/sim/images.yaml), loaded
// with `NODE_OPTIONS=--import`: a build that leaks fast, so a pod with a memory limit is
// OOM-killed within seconds. It retains 2 MiB every 125 ms (~16 MiB/s) and stops at 2 GiB, so
// even a pod without a limit cannot take the machine down. Test-only; nothing else changes.
const CHUNK_BYTES = 2 * 1024 * 1024;
const EVERY_MS = 125;
const CAP_BYTES = 2 * 1024 ** 3;

const leaked = [];
let total = 0;
const timer = setInterval(() => {
  // Filled, not zeroed: zero pages the process never touches would not count as resident.
  leaked.push(Buffer.alloc(CHUNK_BYTES, 0x6f));
  total += CHUNK_BYTES;
  if (total >= CAP_BYTES) clearInterval(timer);
}, EVERY_MS);
// The leak is never the reason the process stays up; the media node is.
timer.unref();

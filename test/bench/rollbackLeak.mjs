// A slow leak for the rollback benchmark (test/bench/rollback.ts), loaded into a media node with
// `NODE_OPTIONS=--import <this file>` through the bench's own sim image map. It retains
// BENCH_LEAK_BYTES_PER_SECOND bytes every second from start (a steady slope, the kind a level
// comparison cannot see and the verdict's growth rule is for) and stops at
// BENCH_LEAK_CAP_BYTES (default 256 MiB), so a forgotten pod cannot take the machine down.
// Bench-only; nothing else in the node changes.
const rate = Number(process.env.BENCH_LEAK_BYTES_PER_SECOND ?? "0");
const cap = Number(process.env.BENCH_LEAK_CAP_BYTES ?? String(256 * 1024 * 1024));

const retained = [];
let total = 0;

/** A named function, so the heap profile can attribute what grew to it. */
function retainLeakChunk(bytes) {
  // Filled, not zeroed: untouched zero pages would not count as resident memory.
  retained.push(Buffer.alloc(bytes, 0x6c));
  total += bytes;
}

if (Number.isFinite(rate) && rate > 0) {
  const chunk = Math.max(1, Math.round(rate));
  const timer = setInterval(() => {
    retainLeakChunk(chunk);
    if (total >= cap) clearInterval(timer);
  }, 1000);
  // The leak is never the reason the process stays up; the media node is.
  timer.unref();
}

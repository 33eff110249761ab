// Fault module of the sim image ghcr.io/mediafleet/media-node:crashloop (test/sim/images.yaml),
// loaded with `NODE_OPTIONS=--import`: the build starts normally and exits with status 1 about
// 3 s later (after it is up: its boot-time werift seam checks take ~1 s on a loaded machine),
// every time, so the pod crash-loops (restartCount grows, CrashLoopBackOff).
// Test-only fault injection.
setTimeout(() => {
  process.stderr.write('crashloop image: exiting with status 1 on purpose (test/sim/images/crashloop.mjs)\n');
  process.exit(1);
}, 3000);

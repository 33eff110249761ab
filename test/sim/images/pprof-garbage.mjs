// Fault module of the sim image ghcr.io/mediafleet/media-node:pprof-garbage (test/sim/images.yaml),
// loaded with `NODE_OPTIONS=--import`: /debug/pprof/heap answers 200 with 4 KiB of random bytes
// that are neither gzip nor a protobuf message, as a broken profiler would. Everything else
// (the token check of other routes, /metrics, WHIP/WHEP) is the build as is. Test-only.
import { randomBytes } from 'node:crypto';
import { interceptHeapProfile } from './pprofHeapFault.mjs';

interceptHeapProfile((req, res) => {
  const body = randomBytes(4096);
  // 0x07: field 0 with wire type 7, invalid in protobuf; and not gzip's 0x1f 0x8b magic.
  body[0] = 0x07;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
});

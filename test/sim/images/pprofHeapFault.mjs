// Shared by the pprof-* fault modules of test/sim/images.yaml (test-only fault injection): takes
// over requests for /debug/pprof/heap on the media node's profiling listener, and nothing else,
// so /metrics, the rest of /debug/pprof/ and WHIP/WHEP keep working. It wraps
// http.Server.prototype.emit because the fault has to sit in front of the node's own request
// handler without changing a line of the product.

import http from 'node:http';

const HEAP_PATH = '/debug/pprof/heap';

// The sim always sets MEDIA_NODE_PPROF_LISTEN (host:port); then only that port is touched.
// Without it (or with port 0) the path alone decides: it exists on no other listener.
function pprofPort() {
  const match = /:(\d+)$/.exec(process.env.MEDIA_NODE_PPROF_LISTEN ?? '');
  const port = match ? Number(match[1]) : 0;
  return port > 0 ? port : undefined;
}

// Requests without the right token still reach the node's own handler (401), as the operator
// deploys the token in env; only a scraper that would have got a profile gets the fault.
function authorized(req) {
  const token = process.env.MEDIA_NODE_PPROF_TOKEN;
  return !token || /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] === token;
}

/** Calls respond(req, res) instead of the server's handler for heap profile requests. */
export function interceptHeapProfile(respond) {
  const port = pprofPort();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, ...args) {
    if (event === 'request') {
      const [req, res] = args;
      const path = (req.url ?? '').split('?')[0];
      if (path === HEAP_PATH && (port === undefined || req.socket.localPort === port) && authorized(req)) {
        respond(req, res);
        return true;
      }
    }
    return emit.call(this, event, ...args);
  };
}

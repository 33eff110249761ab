/**
 * media-node entrypoint: `node dist/media-node/main.js --config FILE` (or env
 * MEDIA_NODE_CONFIG). `--demo` (or MEDIA_NODE_DEMO=1) adds a path "demo" fed by the
 * built-in test pattern. A bad config (or a path's token file that cannot be read) prints the
 * problem with its field path and exits 1 before anything listens; SIGTERM/SIGINT drain and exit 0 within 10 s.
 */
// FIRST: heap sampling must start before werift and the rest load, so they show up in profiles.
import "./bufferPool.js"; // before anything allocates: small slabs, see the file
import "./observe/earlyProfiling.js";
import { runMediaNodeProcess } from "./cli.js";

void runMediaNodeProcess();

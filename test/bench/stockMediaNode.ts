/**
 * The media node with werift's stock send path instead of the lean one: the baseline the
 * benchmarks (fanout.ts, heapPerViewer.ts) and the viewer-loss test measure against. Same
 * arguments and config as media-node/main.ts; werift keeps its own DTLS start timing here too.
 * Not shipped: the product has no switch to this path.
 */
// FIRST, as in media-node/main.ts: heap sampling must start before werift and the rest load.
import "../../media-node/bufferPool.js";
import "../../media-node/observe/earlyProfiling.js";
import { runMediaNodeProcess } from "../../media-node/cli.js";
import { createStockFanoutSource } from "./stockFanout.js";

void runMediaNodeProcess({ createFanout: createStockFanoutSource, earlyDtlsStart: false });

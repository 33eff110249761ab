/**
 * Imported first by main.ts. Node carves small Buffers (< poolSize / 2) out of shared 64 KiB
 * slabs; one long-lived slice keeps its whole slab alive. Every viewer's connection keeps a
 * few small buffers for its lifetime (werift's DTLS handshake state, SRTP keys, ICE consent
 * messages), so each pins slabs of its own: measured 53 KB/viewer of external memory in
 * `test/bench/heapPerViewer.ts`. 8 KiB slabs cut per-viewer in-use memory from 191 to 159 KB
 * (lean `shared`) and 223 to 201 KB (werift's stock path) at no measurable CPU cost.
 */
import { Buffer } from "node:buffer";

export const MEDIA_NODE_BUFFER_POOL_BYTES = 8 * 1024;
Buffer.poolSize = MEDIA_NODE_BUFFER_POOL_BYTES;

/**
 * Test fixtures for operator/scrape: a real heap profile taken in the test process, a
 * realistic media-node /metrics text, and throwaway HTTP servers on 127.0.0.1. Tests serve
 * real bytes over real sockets so that timeouts, limits and parsing meet what pods send.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { encode, heap } from "@datadog/pprof";

/**
 * Samples every ~1 KiB (media-node uses 128 KiB; finer here so that a few MB of test
 * allocations give hundreds of samples), runs `allocate`, and returns the gzipped profile
 * as /debug/pprof/heap serves it. What `allocate` retains must outlive this call.
 */
export async function captureHeapProfile(allocate: () => void): Promise<Buffer> {
  heap.start(1024, 64);
  try {
    allocate();
    return await encode(heap.profile());
  } finally {
    heap.stop();
  }
}

/** What a media node with two paths (3 + 2 viewers, one publisher each) answers, trimmed. */
export const GOOD_METRICS = `# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.
# TYPE process_cpu_user_seconds_total counter
process_cpu_user_seconds_total 12.843
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 187342848
# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.
# TYPE nodejs_eventloop_lag_p99_seconds gauge
nodejs_eventloop_lag_p99_seconds 0.012640255
# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.
# TYPE nodejs_heap_size_used_bytes gauge
nodejs_heap_size_used_bytes 61234560
# HELP nodejs_external_memory_bytes Node.js external memory size in bytes.
# TYPE nodejs_external_memory_bytes gauge
nodejs_external_memory_bytes 14500000
# HELP nodejs_heap_space_size_used_bytes Process heap space size used from Node.js in bytes.
# TYPE nodejs_heap_space_size_used_bytes gauge
nodejs_heap_space_size_used_bytes{space="new"} 4096000
nodejs_heap_space_size_used_bytes{space="old"} 52011008
# HELP nodejs_gc_duration_seconds Garbage collection duration by kind, one of major, minor, incremental or weakcb.
# TYPE nodejs_gc_duration_seconds histogram
nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 803
nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} 911
nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} 912
nodejs_gc_duration_seconds_sum{kind="minor"} 1.0271
nodejs_gc_duration_seconds_count{kind="minor"} 912
# HELP mediafleet_heap_after_gc_bytes JS heap used right after the last major GC (current value before the first one)
# TYPE mediafleet_heap_after_gc_bytes gauge
mediafleet_heap_after_gc_bytes 44512000
# HELP mediafleet_external_after_gc_bytes external memory (Buffers, ArrayBuffers, native memory V8 is told about) right after the last major GC
# TYPE mediafleet_external_after_gc_bytes gauge
mediafleet_external_after_gc_bytes 9876543
# HELP mediafleet_heap_after_gc_age_seconds seconds since the *_after_gc_bytes values were read
# TYPE mediafleet_heap_after_gc_age_seconds gauge
mediafleet_heap_after_gc_age_seconds 4.2
# HELP mediafleet_viewers WHEP viewers connected, per path
# TYPE mediafleet_viewers gauge
mediafleet_viewers{path="cam1"} 3
mediafleet_viewers{path="cam2"} 2
# HELP mediafleet_publishers publishers (WHIP or RTP ingest) feeding each path
# TYPE mediafleet_publishers gauge
mediafleet_publishers{path="cam1"} 1
mediafleet_publishers{path="cam2"} 1
# HELP mediafleet_nack_requests_total NACK feedback messages received from viewers
# TYPE mediafleet_nack_requests_total counter
mediafleet_nack_requests_total 117
# HELP mediafleet_build_info media-node build
# TYPE mediafleet_build_info gauge
mediafleet_build_info{version="0.1.0",commit="b4b34c3",image="registry.example/media-node:0.1.0 \\"good\\""} 1
`;

/** `text` without the lines (HELP, TYPE and samples) of the named families. */
export function withoutFamilies(text: string, ...names: string[]): string {
  const family = (line: string) => (line.startsWith("# ") ? line.split(" ")[2] : line.split(/[ {]/)[0]);
  return text.split("\n").filter((line) => !names.includes(family(line) ?? "")).join("\n");
}

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

export async function serve(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // Stalled test handlers never end their responses: drop their sockets too.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on any more (connection refused). */
export async function closedPort(): Promise<number> {
  const server = await serve(() => {});
  await server.close();
  return server.port;
}

/**
 * The JSON logger both programs write to stdout.
 *
 * Synchronous on purpose. pino's default stdout destination writes asynchronously and, when
 * the process exits, flushes what is still buffered with sonic-boom's `flushSync`, which
 * retries every 100 ms for as long as the write fails. When whoever read stdout has gone (a
 * dead log shipper, a closed terminal) every write fails with EPIPE, so the flush never ends
 * and `process.exit()` never returns: SIGTERM left the node running for good (see
 * test/integration/shutdown.test.ts). A synchronous write fails at once instead, pino then
 * stops logging, and the exit goes ahead. Both programs log a line or two per session or
 * reconcile, so writing each line as it comes costs nothing measurable.
 */
import { pino, type Logger, type LoggerOptions } from "pino";

export function createLogger(options: LoggerOptions): Logger {
  return pino(options, pino.destination({ dest: 1, sync: true }));
}

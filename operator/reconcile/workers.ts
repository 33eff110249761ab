/**
 * Workers that drain a WorkQueue through a reconcile function, and what happens after:
 * success forgets the key's backoff (and re-queues it after `requeueAfterMs` if asked), and
 * any error (a 409 conflict included) re-queues the key with per-key exponential backoff.
 * What retrying cannot fix (an invalid spec) is not thrown: the reconciler writes it to the
 * status and returns, and the change that fixes it arrives as a watch event.
 */
import type { WorkQueue } from "./queue.js";

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (polling). */
  requeueAfterMs?: number;
}

export type ReconcileOutcome = "success" | "error" | "conflict";

export interface WorkerHooks {
  /** Classifies a thrown error; `conflict` is retried like `error` but reported apart. */
  isConflict(error: unknown): boolean;
  /** Called once per reconcile with the outcome and its duration (metrics, logs). */
  onResult(key: string, outcome: ReconcileOutcome, durationMs: number, error?: unknown): void;
  now(): number;
}

export type ReconcileFn = (key: string) => Promise<ReconcileResult | void>;

async function processOne(queue: WorkQueue, key: string, reconcile: ReconcileFn, hooks: WorkerHooks): Promise<void> {
  const started = hooks.now();
  try {
    const result = await reconcile(key);
    queue.forget(key);
    hooks.onResult(key, "success", hooks.now() - started);
    if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
  } catch (error) {
    hooks.onResult(key, hooks.isConflict(error) ? "conflict" : "error", hooks.now() - started, error);
    queue.addRateLimited(key);
  } finally {
    queue.done(key);
  }
}

/** Runs `count` workers until the queue shuts down; resolves when all of them have stopped. */
export async function runWorkers(queue: WorkQueue, count: number, reconcile: ReconcileFn, hooks: WorkerHooks): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      await processOne(queue, key, reconcile, hooks);
    }
  };
  await Promise.all(Array.from({ length: count }, () => worker()));
}

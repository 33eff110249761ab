/**
 * Errors from the API server, with the HTTP status and the Status `reason` kept so callers
 * can tell NotFound, Conflict, AlreadyExists and Gone (expired resourceVersion) apart.
 */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  readonly code = "MEDIAFLEET_KUBE_API";

  constructor(
    readonly status: number,
    /** metav1.Status.reason, e.g. "NotFound", "Conflict", "AlreadyExists", "Expired". */
    readonly reason: string,
    message: string,
    readonly verb: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${verb} ${path}: ${status} ${reason}: ${message}`, options);
  }
}

/** The HTTP status of an error from this module (or a client-node ApiException), if any. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof KubeApiError) return error.status;
  const candidate = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof candidate?.statusCode === "number") return candidate.statusCode;
  if (typeof candidate?.code === "number") return candidate.code;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
/** Optimistic-concurrency conflict (stale resourceVersion) or SSA field conflict. */
export const isConflict = (error: unknown): boolean =>
  statusOf(error) === 409 && !(error instanceof KubeApiError && error.reason === "AlreadyExists");
export const isAlreadyExists = (error: unknown): boolean =>
  error instanceof KubeApiError && error.status === 409 && error.reason === "AlreadyExists";
/** The watch or list asked for a resourceVersion the server has compacted away: relist. */
export const isGone = (error: unknown): boolean => statusOf(error) === 410;

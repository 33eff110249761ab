/**
 * The one error type of the scraper: every failure carries the `ScrapeErrorReason` it is
 * reported under (event reason, metric label), so callers never parse messages.
 */
import type { ScrapeErrorReason } from "../analysis/types.js";

export class ScrapeError extends Error {
  override name = "ScrapeError";
  constructor(
    readonly reason: ScrapeErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Any thrown value as a ScrapeError; an unexpected error is a bug or bad data, reported as malformed. */
export function asScrapeError(error: unknown): ScrapeError {
  if (error instanceof ScrapeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ScrapeError("malformed", message, { cause: error });
}

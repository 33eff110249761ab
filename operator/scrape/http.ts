/**
 * A bounded GET for scraping pods: one deadline for connect, headers AND body (a pod that
 * sends headers and then stalls must not hold a scrape slot), a byte limit enforced while
 * reading (a Content-Length is not trusted, chunked bodies have none), and every failure
 * mapped to a `ScrapeErrorReason`. Built on Node's fetch: its AbortSignal errors the body
 * stream too, which makes the single deadline reliable.
 */
import { ScrapeError } from "./errors.js";

export const DEFAULT_TIMEOUT_MS = 5000;
export const METRICS_MAX_BYTES = 4 * 1024 * 1024;
export const PROFILE_MAX_BYTES = 16 * 1024 * 1024;

export interface GetOptions {
  timeoutMs?: number;
  maxBytes: number;
  /** Sent as `Authorization: Bearer <token>`; never included in error messages. */
  token?: string;
  accept?: string;
}

export interface GetResult {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Network error codes that mean "waited too long" rather than "nobody there". */
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** fetch wraps socket errors in `TypeError("fetch failed")`; the useful part is the cause. */
function networkError(error: unknown, url: string, signal: AbortSignal, timeoutMs: number): ScrapeError {
  if (signal.aborted) return new ScrapeError("timeout", `GET ${url}: no complete answer within ${timeoutMs} ms`, { cause: error });
  const code = errorCode(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  const message = `GET ${url}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ""}`;
  if (code && TIMEOUT_CODES.has(code)) return new ScrapeError("timeout", message, { cause: error });
  // llhttp parser errors: something answered, but not with HTTP.
  if (code?.startsWith("HPE_")) return new ScrapeError("malformed", message, { cause: error });
  // ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ENETUNREACH, UND_ERR_SOCKET (closed mid-answer), ...
  return new ScrapeError("refused", message, { cause: error });
}

async function readLimited(response: Response, url: string, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ScrapeError("too_large", `GET ${url}: body larger than ${maxBytes} bytes`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** GET `url`; resolves only with a 2xx answer whose body fits, otherwise throws a ScrapeError. */
export async function boundedGet(url: string, options: GetOptions): Promise<GetResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = {};
  if (options.accept) headers.accept = options.accept;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  try {
    // No redirects: a pod endpoint that redirects is misconfigured, and following one could
    // carry the token somewhere else.
    const response = await fetch(url, { headers, signal, redirect: "manual" });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      const reason = response.status === 401 || response.status === 403 ? "unauthorized" : "http_error";
      throw new ScrapeError(reason, `GET ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
    }
    const body = await readLimited(response, url, options.maxBytes);
    return { status: response.status, contentType: response.headers.get("content-type") ?? "", body };
  } catch (error) {
    if (error instanceof ScrapeError) throw error;
    throw networkError(error, url, signal, timeoutMs);
  }
}

/**
 * The one place HTTP requests to the API server are made. It leans on @kubernetes/client-node
 * for what is hard (kubeconfig and in-cluster loading, auth plugins, TLS dispatcher) and keeps
 * objects as plain JSON, so what the informers cache and what a request returns look the same
 * (the generated typed clients turn timestamps into Date objects, watch events do not).
 *
 * Every request is counted through `onRequest(verb, resource)` — the operator's
 * `mediafleet_kube_requests_total`, which the "requests per reconcile" benchmark reads.
 *
 * client-node 2.0 makes a new undici Agent (a new TCP+TLS connection) for each request; we
 * keep the first one and reuse it for a while, so a burst of 100 reconciles shares a few
 * keep-alive connections. It is renewed every `dispatcherMaxAgeMs` in case certificates rotate.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext, type ResponseContext } from "@kubernetes/client-node";
import { KubeApiError } from "./errors.js";

export type KubeVerb = "get" | "list" | "watch" | "create" | "update" | "patch" | "apply" | "delete";

export type RequestObserver = (verb: KubeVerb, resource: string) => void;
/** Called when the response headers arrived (or the request failed, status 0). */
export type ResponseObserver = (verb: KubeVerb, resource: string, status: number, seconds: number) => void;

export interface RequestOptions {
  /** Resource name for metrics ("deployments", "mediaservers/status"). */
  resource: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const METHOD: Record<KubeVerb, HttpMethod> = {
  get: HttpMethod.GET,
  list: HttpMethod.GET,
  watch: HttpMethod.GET,
  create: HttpMethod.POST,
  update: HttpMethod.PUT,
  patch: HttpMethod.PATCH,
  apply: HttpMethod.PATCH,
  delete: HttpMethod.DELETE,
};

export interface KubeRestOptions {
  onRequest?: RequestObserver;
  onResponse?: ResponseObserver;
  requestTimeoutMs?: number;
  dispatcherMaxAgeMs?: number;
}

export class KubeRest {
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly onRequest: RequestObserver;
  private readonly onResponse: ResponseObserver;
  private readonly requestTimeoutMs: number;
  private readonly dispatcherMaxAgeMs: number;
  private dispatcher: ReturnType<RequestContext["getDispatcher"]>;
  private dispatcherBornAt = 0;

  constructor(readonly kubeConfig: KubeConfig, options: KubeRestOptions = {}) {
    this.onRequest = options.onRequest ?? (() => {});
    this.onResponse = options.onResponse ?? (() => {});
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.dispatcherMaxAgeMs = options.dispatcherMaxAgeMs ?? 10 * 60_000;
  }

  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    return cluster.server.replace(/\/+$/, "");
  }

  /** Sends one request and returns the raw response (status not checked). */
  async send(verb: KubeVerb, path: string, options: RequestOptions): Promise<ResponseContext> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const context = new RequestContext(url.toString(), METHOD[verb]);
    await this.kubeConfig.applySecurityAuthentication(context);
    this.shareDispatcher(context);
    context.setHeaderParam("Accept", "application/json");
    if (options.body !== undefined) {
      context.setHeaderParam("Content-Type", options.contentType ?? "application/json");
      context.setBody(JSON.stringify(options.body));
    }
    const signals = [AbortSignal.timeout(options.timeoutMs ?? this.requestTimeoutMs)];
    if (options.signal) signals.push(options.signal);
    context.setSignal(AbortSignal.any(signals));
    this.onRequest(verb, options.resource);
    const started = performance.now();
    try {
      const response = await this.http.send(context).toPromise();
      this.onResponse(verb, options.resource, response.httpStatusCode, (performance.now() - started) / 1000);
      return response;
    } catch (error) {
      this.onResponse(verb, options.resource, 0, (performance.now() - started) / 1000);
      throw error;
    }
  }

  /** Sends one request and returns the parsed JSON body; non-2xx throws KubeApiError. */
  async request<T>(verb: KubeVerb, path: string, options: RequestOptions): Promise<T> {
    const response = await this.send(verb, path, options);
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode >= 300) throw apiError(verb, path, response.httpStatusCode, text);
    return (text.length > 0 ? JSON.parse(text) : undefined) as T;
  }

  private shareDispatcher(context: RequestContext): void {
    const fresh = context.getDispatcher();
    if (fresh === undefined) return; // plain http or no TLS options: undici's global pool
    const now = Date.now();
    if (this.dispatcher === undefined || now - this.dispatcherBornAt > this.dispatcherMaxAgeMs) {
      const old = this.dispatcher;
      this.dispatcher = fresh;
      this.dispatcherBornAt = now;
      // Let requests already on the old pool finish; close it afterwards.
      if (old) setTimeout(() => void old.close().catch(() => {}), 60_000).unref();
      return;
    }
    context.setDispatcher(this.dispatcher);
  }

  /** Drops the shared connections at once (a graceful close would wait for open watches). */
  async close(): Promise<void> {
    const old = this.dispatcher;
    this.dispatcher = undefined;
    if (old) await old.destroy().catch(() => {});
  }
}

export function apiError(verb: string, path: string, status: number, text: string): KubeApiError {
  let reason = "Unknown";
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    reason = parsed.reason ?? reason;
    message = parsed.message ?? message;
  } catch {
    // not a metav1.Status body; keep the text
  }
  return new KubeApiError(status, reason, message, verb, path);
}

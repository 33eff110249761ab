/**
 * List and watch of one resource over KubeRest: paginated list, then a streaming watch that
 * the server closes after a random 5-10 minutes (as client-go does, so reconnects of many
 * operators do not line up). A watch `ERROR` event becomes a KubeApiError, so a 410 (the
 * resourceVersion is too old) reaches the Reflector as Gone and triggers a relist.
 * Ours rather than client-node's ListWatch, whose watch re-opens every 30 s on a quiet
 * resource, each time on a new connection: measured in test/bench/kubeClient.ts, numbers in
 * the README's dependency table.
 */
import { KubeApiError } from "./errors.js";
import type { KubeObject } from "./objects.js";
import type { ListResult, ListWatchSource, WatchEventType } from "./reflector.js";
import { collectionPath, type ResourceType } from "./resources.js";
import { apiError, type KubeRest } from "./rest.js";

export interface ListWatchOptions {
  /** Only this namespace; all namespaces when empty. */
  namespace?: string;
  labelSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout range in seconds; a random value in it is used per watch. */
  watchTimeoutSeconds?: [number, number];
}

interface ListBody<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

interface WatchLine<T> {
  type: WatchEventType | "ERROR";
  object: T | { code?: number; reason?: string; message?: string };
}

export class ResourceListWatch<T extends KubeObject> implements ListWatchSource<T> {
  readonly name: string;
  private readonly path: string;

  constructor(private readonly rest: KubeRest, private readonly resource: ResourceType, private readonly options: ListWatchOptions = {}) {
    this.path = collectionPath(resource, options.namespace);
    this.name = resource.plural + (options.labelSelector ? `{${options.labelSelector}}` : "");
  }

  async list(): Promise<ListResult<T>> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.rest.request<ListBody<T>>("list", this.path, {
        resource: this.resource.plural,
        query: { labelSelector: this.options.labelSelector, limit: this.options.pageSize ?? 500, continue: continueToken },
      });
      // Lists of one kind omit apiVersion/kind on items; put them back so objects look alike.
      for (const item of page.items ?? []) items.push({ apiVersion: this.apiVersion(), kind: this.resource.kind, ...item });
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async watch(resourceVersion: string, onEvent: (type: WatchEventType, object: T) => void, signal: AbortSignal): Promise<void> {
    const [low, high] = this.options.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.round(low + Math.random() * (high - low));
    const response = await this.rest.send("watch", this.path, {
      resource: this.resource.plural,
      query: { watch: true, resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: this.options.labelSelector },
      // The server ends the stream at timeoutSeconds; the client-side bound only catches a dead peer.
      timeoutMs: (timeoutSeconds + 30) * 1000,
      signal,
    });
    if (response.httpStatusCode !== 200) throw apiError("watch", this.path, response.httpStatusCode, await response.body.text());
    const stream = (await response.body.stream()) as ReadableStream<Uint8Array> | undefined;
    if (!stream) return;
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of stream) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line.length > 0) this.dispatch(JSON.parse(line) as WatchLine<T>, onEvent);
          newline = buffered.indexOf("\n");
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
  }

  private dispatch(line: WatchLine<T>, onEvent: (type: WatchEventType, object: T) => void): void {
    if (line.type === "ERROR") {
      const status = line.object as { code?: number; reason?: string; message?: string };
      throw new KubeApiError(status.code ?? 500, status.reason ?? "Unknown", status.message ?? "watch error", "watch", this.path);
    }
    const object = line.object as T;
    onEvent(line.type, { apiVersion: this.apiVersion(), kind: this.resource.kind, ...object });
  }

  private apiVersion(): string {
    return this.resource.group === "" ? this.resource.version : `${this.resource.group}/${this.resource.version}`;
  }
}

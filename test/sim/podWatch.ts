// List-then-watch of all Pods that survives API server restarts: a watch that ends cleanly
// resumes from the last resourceVersion; an error or 410 Gone relists after a short pause.
import type { V1Pod } from '@kubernetes/client-node';
import { httpStatusOf, type SimApi } from './simApi.js';

export interface PodWatchHandlers {
  /** Every pod seen, from a list or a watch event; deleted says it is gone from the API. */
  onPod(pod: V1Pod, deleted: boolean): void;
  /** After each (re)list, with the uids present, so vanished pods can be cleaned up. */
  onList(uids: Set<string>): void;
  onError(err: unknown): void;
}

export class PodWatch {
  private stopped = false;
  private abort?: AbortController;
  private wake?: () => void;

  constructor(
    private readonly api: SimApi,
    private readonly handlers: PodWatchHandlers,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const list = await this.api.listPods();
        failures = 0;
        this.handlers.onList(new Set(list.items.map((p) => p.metadata?.uid ?? '')));
        for (const pod of list.items) this.handlers.onPod(pod, false);
        let resourceVersion = list.resourceVersion;
        // Watch until something goes wrong; a clean server-side close just resumes.
        for (;;) {
          const outcome = await this.watchOnce(resourceVersion, (rv) => {
            resourceVersion = rv;
          });
          if (this.stopped || outcome !== 'closed') break;
        }
      } catch (err) {
        if (this.stopped) return;
        this.handlers.onError(err);
      }
      if (this.stopped) return;
      failures++;
      await this.pause(Math.min(200 * 2 ** Math.min(failures, 5), 5000));
    }
  }

  private watchOnce(resourceVersion: string, advance: (rv: string) => void): Promise<'closed' | 'relist'> {
    return new Promise((resolve) => {
      let gone = false;
      const onEvent = (type: string, obj: unknown) => {
        if (type === 'ERROR') {
          // 410 Gone: our resourceVersion was compacted; anything else: also start over.
          gone = true;
          this.abort?.abort();
          return;
        }
        const pod = obj as V1Pod;
        const rv = pod.metadata?.resourceVersion;
        if (rv) advance(rv);
        if (type === 'BOOKMARK') return;
        this.handlers.onPod(pod, type === 'DELETED');
      };
      const onDone = (err: unknown) => {
        if (gone) resolve('relist');
        // client-node ends a watch after 30 s without bytes; nothing is wrong, resume from rv.
        else if ((err as Error | null)?.name === 'TimeoutError') resolve('closed');
        else if (err) {
          if (!this.stopped && httpStatusOf(err) !== 410 && (err as Error).name !== 'AbortError') this.handlers.onError(err);
          resolve('relist');
        } else resolve('closed');
      };
      this.api.watchPods(resourceVersion, onEvent, onDone).then(
        (controller) => {
          this.abort = controller;
          if (this.stopped) controller.abort();
        },
        (err: unknown) => onDone(err ?? new Error('watch failed')),
      );
    });
  }
}

// Pushes one pod's status to the API server: coalesces bursts of changes into one patch,
// never runs two patches at once, and retries while the API server is unreachable.
import type { V1PodCondition } from '@kubernetes/client-node';
import { buildPodStatus, type PodView } from './podStatus.js';
import { httpStatusOf, type SimApi } from './simApi.js';

const RETRY_MS = 1000;

export class StatusSync {
  private dirty = false;
  private inFlight = false;
  private stopped = false;
  private conditions?: V1PodCondition[];
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly api: Pick<SimApi, 'patchPodStatus'>,
    private readonly namespace: string,
    private readonly name: string,
    private readonly uid: string,
    private readonly view: PodView,
    private readonly onError: (err: unknown) => void,
  ) {}

  markDirty(): void {
    this.dirty = true;
    if (!this.inFlight && !this.retryTimer) void this.flush();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        const status = buildPodStatus(this.view, this.conditions, new Date());
        try {
          await this.api.patchPodStatus(this.namespace, this.name, this.uid, status);
          this.conditions = status.conditions;
        } catch (err) {
          const code = httpStatusOf(err);
          // Gone, or replaced by a pod with another uid: nothing left to report to.
          if (code === 404 || code === 409) {
            this.stopped = true;
            return;
          }
          this.onError(err);
          this.dirty = true;
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            if (!this.stopped) void this.flush();
          }, RETRY_MS);
          return;
        }
      }
    } finally {
      this.inFlight = false;
    }
  }
}

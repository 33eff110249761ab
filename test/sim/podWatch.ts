// List-then-watch of all Pods for the local kubelet, on the operator's own informer
// (operator/kube: Reflector over ResourceListWatch), so the repository has one list/watch loop
// and the sim exercises it. The Reflector survives API server restarts: a watch that ends
// cleanly resumes from the last resourceVersion; 410 Gone relists, and the relist reports pods
// that vanished meanwhile as deleted; any other error retries with backoff.
import type { V1Pod } from '@kubernetes/client-node';
import { realTimers } from '../../common/timers.js';
import { isGone } from '../../operator/kube/errors.js';
import { ResourceListWatch } from '../../operator/kube/listWatch.js';
import type { KubeObject } from '../../operator/kube/objects.js';
import { Reflector } from '../../operator/kube/reflector.js';
import { PODS } from '../../operator/kube/resources.js';
import { KubeRest } from '../../operator/kube/rest.js';
import type { SimApi } from './simApi.js';

export interface PodWatchHandlers {
  /** Every pod seen, from a list or a watch event; deleted says it is gone from the API. */
  onPod(pod: V1Pod, deleted: boolean): void;
  onError(err: unknown): void;
}

export class PodWatch {
  private readonly rest: KubeRest;
  private readonly reflector: Reflector<KubeObject>;

  constructor(api: SimApi, handlers: PodWatchHandlers) {
    this.rest = new KubeRest(api.kubeConfig);
    // Pods come as the API server's JSON (timestamps are strings); the kubelet reads only
    // fields whose JSON and V1Pod shapes agree.
    this.reflector = new Reflector(new ResourceListWatch<KubeObject>(this.rest, PODS), {
      timers: realTimers,
      resyncPeriodMs: 0,
      minBackoffMs: 200,
      maxBackoffMs: 5000,
      // A 410 is routine (the relist is the recovery), not worth a line in the kubelet's log.
      onError: (err) => {
        if (!isGone(err)) handlers.onError(err);
      },
    });
    this.reflector.onChange((change, pod) => handlers.onPod(pod as unknown as V1Pod, change === 'delete'));
  }

  start(): void {
    this.reflector.start();
  }

  async stop(): Promise<void> {
    await this.reflector.stop();
    await this.rest.close();
  }
}

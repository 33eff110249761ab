// Runs one bound Pod as local processes: init containers in order, then every container,
// restarted per restartPolicy with a bounded backoff, readiness probed, memory limits enforced
// (SIGKILL above the limit, reported as OOMKilled); reports through onChange. terminate() is
// the kubelet's graceful kill: SIGTERM, grace, SIGKILL.
import { appendFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { killGroup, spawnGroup, type GroupProcess } from '../cluster/processGroup.js';
import { ContainerConfigError, inMountNamespace, planContainer } from './containerPlan.js';
import type { ImageMap } from './imageMap.js';
import { rssWatcher, type RssWatcher } from './memoryLimit.js';
import { preparePodInputs, type PodInputs } from './podInputs.js';
import type { ContainerView, PodView } from './podStatus.js';
import { probeOnce } from './probe.js';
import type { SimApi } from './simApi.js';

export interface PodRunnerOptions {
  pod: V1Pod;
  podIP: string;
  hostIP: string;
  repoRoot: string;
  nodeExecPath: string;
  /** Per-pod scratch dir (volumes live under it); removed on terminate. */
  podDir: string;
  logPath: string;
  api: Pick<SimApi, 'configMapData' | 'secretData' | 'serviceAccountToken'>;
  baseEnv: Record<string, string>;
  /** Upper bound on terminationGracePeriodSeconds, so tests never wait 30 s. */
  maxGraceMs: number;
  /** Env per image (imageMap.ts); without it every image runs the build unchanged. */
  imageMap?: ImageMap;
  /** The API server's address, given to containers as KUBERNETES_SERVICE_HOST/PORT. */
  apiServer?: { host: string; port: number };
  /** Polls the RSS of containers with a memory limit; default: the process-wide one. */
  memoryWatcher?: RssWatcher;
  onChange: () => void;
}

interface Slot {
  spec: V1Container;
  view: ContainerView;
  process?: GroupProcess;
  probeTimer?: NodeJS.Timeout;
  /** Stops the memory watch of the running process. */
  unwatchMemory?: () => void;
  /** Set when the sim killed the running process for exceeding its memory limit. */
  oomKilled?: boolean;
}

const MAX_BACKOFF_MS = 8000;

export class PodRunner {
  readonly view: PodView;
  private readonly slots: Slot[];
  private readonly initSlots: Slot[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inputs?: PodInputs;
  private terminating = false;
  private terminated?: Promise<void>;

  constructor(private readonly opts: PodRunnerOptions) {
    const slot = (spec: V1Container): Slot => ({
      spec,
      view: { name: spec.name, image: spec.image ?? '', state: { kind: 'waiting', reason: 'ContainerCreating' }, restartCount: 0, ready: false, willRestart: true },
    });
    this.initSlots = (opts.pod.spec?.initContainers ?? []).map(slot);
    this.slots = (opts.pod.spec?.containers ?? []).map(slot);
    for (const s of this.initSlots) s.view.state = { kind: 'waiting', reason: 'PodInitializing' };
    this.view = {
      podIP: opts.podIP,
      hostIP: opts.hostIP,
      startTime: new Date(),
      init: this.initSlots.length > 0 ? 'running' : 'done',
      initContainers: this.initSlots.map((s) => s.view),
      containers: this.slots.map((s) => s.view),
    };
  }

  /** Pids of the container processes running now. */
  pids(): number[] {
    return [...this.initSlots, ...this.slots].flatMap((s) => (s.process && !s.process.hasExited() ? [s.process.pid] : []));
  }

  start(): void {
    void this.prepareAndRun(0);
  }

  private get restartPolicy(): string {
    return this.opts.pod.spec?.restartPolicy ?? 'Always';
  }

  private note(line: string): void {
    try {
      appendFileSync(this.opts.logPath, `[sim ${new Date().toISOString()}] ${line}\n`);
    } catch {
      // the log is best effort
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.terminating) fn();
    }, ms);
    this.timers.add(timer);
  }

  private async prepareAndRun(attempt: number): Promise<void> {
    try {
      this.inputs = await preparePodInputs(this.opts.pod, `${this.opts.podDir}/volumes`, this.opts.api);
    } catch (err) {
      // A missing ConfigMap may appear later: the kubelet retries, so do we.
      const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerConfigError';
      this.note(`cannot prepare pod inputs (attempt ${attempt + 1}): ${(err as Error).message}`);
      for (const s of this.slots) s.view.state = { kind: 'waiting', reason, message: (err as Error).message };
      this.opts.onChange();
      this.later(Math.min(500 * 2 ** attempt, MAX_BACKOFF_MS), () => void this.prepareAndRun(attempt + 1));
      return;
    }
    this.runInit(0);
  }

  private runInit(index: number): void {
    const slot = this.initSlots[index];
    if (!slot) {
      this.view.init = 'done';
      for (const s of this.slots) this.launch(s);
      return;
    }
    this.launch(slot, (code) => {
      if (code === 0) {
        slot.view.willRestart = false;
        this.runInit(index + 1);
      } else if (this.restartPolicy === 'Never') {
        slot.view.willRestart = false;
        this.view.init = 'failed';
        for (const s of this.slots) s.view.willRestart = false;
      } else {
        this.later(this.backoffMs(slot), () => this.runInit(index));
      }
      this.opts.onChange();
    });
  }

  private backoffMs(slot: Slot): number {
    return Math.min(500 * 2 ** Math.min(slot.view.restartCount, 5), MAX_BACKOFF_MS);
  }

  /** Starts a container; onExit overrides the restart decision (used for init containers). */
  private launch(slot: Slot, onExit?: (code: number) => void): void {
    if (this.terminating || !this.inputs) return;
    const { view, spec } = slot;
    let plan;
    const imageEnv = this.opts.imageMap?.envFor(spec.image);
    try {
      const repoRoot = this.opts.imageMap?.appFor(spec.image) ?? this.opts.repoRoot;
      plan = planContainer(spec, { ...this.inputs, pod: this.opts.pod, podIP: this.opts.podIP, hostIP: this.opts.hostIP, repoRoot, nodeExecPath: this.opts.nodeExecPath, baseEnv: this.opts.baseEnv, ...(imageEnv ? { imageEnv } : {}), ...(this.opts.apiServer ? { apiServer: this.opts.apiServer } : {}) });
      const wrapped = inMountNamespace(plan);
      if (wrapped.roots.length > 0) {
        if (process.getuid?.() !== 0) {
          throw new ContainerConfigError('CreateContainerError', `container ${spec.name} mounts ${plan.fixedMounts.map((m) => m.path).join(', ')}: the sim places such mounts in a private mount namespace, which needs root`);
        }
        for (const root of wrapped.roots) mkdirSync(root, { recursive: true });
        plan = { ...plan, command: wrapped.command, args: wrapped.args };
      }
    } catch (err) {
      const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerError';
      view.state = { kind: 'waiting', reason, message: (err as Error).message };
      this.note(`container ${spec.name}: ${(err as Error).message}`);
      this.opts.onChange();
      this.later(this.backoffMs(slot), () => this.launch(slot, onExit));
      return;
    }
    this.note(`container ${spec.name} start #${view.restartCount + 1}: ${plan.command} ${plan.args.join(' ')}`);
    if (imageEnv) this.note(`container ${spec.name}: image ${spec.image} from ${this.opts.imageMap?.source} sets ${Object.entries(imageEnv).map(([k, v]) => `${k}=${v}`).join(' ') || 'nothing'}`);
    const proc = spawnGroup(plan.command, plan.args, this.opts.logPath, { cwd: plan.cwd, env: plan.env });
    const startedAt = new Date();
    slot.process = proc;
    slot.oomKilled = false;
    slot.unwatchMemory?.();
    slot.unwatchMemory = undefined;
    const limit = plan.memoryLimitBytes;
    if (limit !== undefined && proc.pid > 0) {
      // The kernel's OOM killer, played by the sim: over the limit -> SIGKILL the whole group.
      slot.unwatchMemory = (this.opts.memoryWatcher ?? rssWatcher).watch(proc.pid, limit, (rss) => {
        if (this.terminating || proc.hasExited()) return;
        slot.oomKilled = true;
        this.note(`container ${spec.name}: resident memory ${rss} bytes over its limit ${limit}: OOMKilled (SIGKILL)`);
        killGroup(proc.pid, 'SIGKILL');
      });
    }
    view.pid = proc.pid;
    view.state = { kind: 'running', startedAt };
    view.ready = false;
    if (!spec.readinessProbe) view.ready = true;
    else this.scheduleProbe(slot, proc, (spec.readinessProbe.initialDelaySeconds ?? 0) * 1000, { successes: 0, failures: 0 });
    this.opts.onChange();

    void proc.exited.then((result) => {
      if (slot.probeTimer) clearTimeout(slot.probeTimer);
      slot.unwatchMemory?.();
      slot.unwatchMemory = undefined;
      const oom = slot.oomKilled === true;
      // An OOM kill reads as the kubelet reports it: 137, reason OOMKilled, no signal message.
      const exitCode = oom ? 137 : typeof result === 'number' ? result : 128 + (result === 'SIGKILL' ? 9 : 15);
      const terminated = {
        kind: 'terminated' as const,
        exitCode,
        reason: oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: new Date(),
        ...(typeof result === 'string' && !oom ? { signal: result } : {}),
      };
      this.note(`container ${spec.name} exited with ${result}`);
      view.ready = false;
      if (this.terminating) {
        view.state = terminated;
        view.willRestart = false;
        return;
      }
      if (onExit) {
        view.state = terminated;
        onExit(exitCode);
        return;
      }
      const restart = this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && exitCode !== 0);
      if (!restart) {
        view.state = terminated;
        view.willRestart = false;
        this.opts.onChange();
        return;
      }
      view.lastTerminated = terminated;
      view.state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off restarting ${spec.name}` };
      const delay = this.backoffMs(slot);
      view.restartCount++;
      this.opts.onChange();
      this.later(delay, () => this.launch(slot));
    });
  }

  private scheduleProbe(slot: Slot, proc: GroupProcess, delayMs: number, counts: { successes: number; failures: number }): void {
    const probe = slot.spec.readinessProbe;
    if (!probe) return;
    slot.probeTimer = setTimeout(async () => {
      if (this.terminating || proc.hasExited()) return;
      const result = await probeOnce(probe, slot.spec, this.opts.podIP);
      if (this.terminating || proc.hasExited()) return;
      if (result.ok) {
        counts.successes++;
        counts.failures = 0;
      } else {
        counts.failures++;
        counts.successes = 0;
      }
      const before = slot.view.ready;
      if (counts.successes >= (probe.successThreshold ?? 1)) slot.view.ready = true;
      if (counts.failures >= (probe.failureThreshold ?? 3)) slot.view.ready = false;
      if (before !== slot.view.ready) {
        this.note(`container ${slot.spec.name} ready=${slot.view.ready}${result.ok ? '' : ` (${result.detail})`}`);
        this.opts.onChange();
      }
      this.scheduleProbe(slot, proc, Math.max(1, probe.periodSeconds ?? 10) * 1000, counts);
    }, delayMs);
  }

  /** SIGTERM every container, SIGKILL after the (capped) grace period; idempotent. */
  terminate(graceSecondsFromDeletion?: number): Promise<void> {
    this.terminated ??= (async () => {
      this.terminating = true;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      const graceSeconds = graceSecondsFromDeletion ?? this.opts.pod.spec?.terminationGracePeriodSeconds ?? 30;
      const graceMs = Math.min(graceSeconds * 1000, this.opts.maxGraceMs);
      const all = [...this.initSlots, ...this.slots];
      for (const slot of all) {
        if (slot.probeTimer) clearTimeout(slot.probeTimer);
        slot.unwatchMemory?.();
      }
      this.note(`terminating (grace ${graceMs} ms)`);
      await Promise.all(all.map((slot) => slot.process?.stop(graceMs)));
      for (const slot of all) {
        slot.view.ready = false;
        slot.view.willRestart = false;
      }
      await rm(this.opts.podDir, { recursive: true, force: true });
    })();
    return this.terminated;
  }
}

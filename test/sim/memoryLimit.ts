// Memory limits without cgroups: `resources.limits.memory` parsed as Kubernetes does, and a
// watcher that polls the resident memory of each limited container's process group and calls
// back once it is over, so the pod runner can SIGKILL it and report OOMKilled as a kubelet
// would after the kernel's OOM killer. RSS stands in for the cgroup's usage (no page cache).
import type { V1Container } from '@kubernetes/client-node';
import { rssOfProcessGroups } from '../cluster/processGroup.js';

const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

// <sign><digits>[.<digits>] then a binary or decimal suffix, or an exponent ("1e3", "2E6").
// A bare trailing "E" is exa; "E" followed by digits is an exponent, as in Kubernetes.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** A Kubernetes quantity ("300Mi", "1Gi", "500M", "1.5G", "12e6", "1024") as a number. */
export function parseQuantity(text: string): number {
  const m = QUANTITY.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a Kubernetes quantity (e.g. 300Mi, 1Gi, 500M, 1048576)`);
  const [, sign, digits, suffix, exponent] = m;
  const value = Number(digits) * (exponent !== undefined ? 10 ** Number(exponent) : SUFFIXES[suffix ?? '']!);
  return sign === '-' ? -value : value;
}

/** Bytes of a memory quantity, rounded up to a whole byte as Kubernetes does. */
export function parseMemoryBytes(text: string): number {
  const value = parseQuantity(text);
  if (value < 0) throw new Error(`memory quantity "${text}" is negative`);
  return Math.ceil(value);
}

/** The container's memory limit in bytes, undefined without one. */
export function memoryLimitBytes(container: Pick<V1Container, 'resources'>): number | undefined {
  const raw = container.resources?.limits?.memory;
  return raw === undefined ? undefined : parseMemoryBytes(String(raw));
}

interface Watch {
  pgid: number;
  limitBytes: number;
  onOver: (rssBytes: number) => void;
}

/**
 * Polls every watched process group in one /proc pass per tick (default 250 ms). `onOver`
 * fires at most once per watch, after which the watch is dropped. The timer runs only while
 * something is watched and is unref'd: it never keeps the process alive on its own.
 */
export class RssWatcher {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs = 250,
    private readonly readRss: (pgids: ReadonlySet<number>) => Map<number, number> = rssOfProcessGroups,
  ) {}

  /** Starts watching; returns the function that stops it (idempotent). */
  watch(pgid: number, limitBytes: number, onOver: (rssBytes: number) => void): () => void {
    const entry: Watch = { pgid, limitBytes, onOver };
    this.watches.add(entry);
    this.timer ??= setInterval(() => this.tick(), this.intervalMs).unref();
    return () => this.drop(entry);
  }

  private drop(entry: Watch): void {
    this.watches.delete(entry);
    if (this.watches.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One poll (public for tests that step it by hand). */
  tick(): void {
    if (this.watches.size === 0) return;
    const rss = this.readRss(new Set([...this.watches].map((w) => w.pgid)));
    for (const entry of [...this.watches]) {
      const used = rss.get(entry.pgid);
      if (used === undefined || used <= entry.limitBytes) continue;
      this.drop(entry);
      entry.onOver(used);
    }
  }
}

/** The one watcher of this process, shared by every pod the sims here run. */
export const rssWatcher = new RssWatcher();

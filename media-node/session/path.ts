/**
 * One configured path: at most one publisher (WHIP, RTP ingest or test pattern), its
 * source streams (one FanoutSource per kind) and the viewers attached to them.
 *
 * Close cascade: the publisher leaving closes the sources and ends every viewer; a viewer
 * ending tells the path to forget it; `close()` ends everything. All idempotent.
 */
import type { RtpPacket } from "werift";
import type { PathConfig } from "../config/types.js";
import type { FanoutFactory, FanoutSource, MediaKind, NackOptions, ReportScheduler } from "../fanout/types.js";
import type { MediaCounters } from "../fanout/mediaCounters.js";
import { SessionError } from "./errors.js";
import { codecName, type PathCodec } from "./codecs.js";
import { createRateLimiter } from "./rateLimit.js";

export type PublisherType = "whip" | "rtp" | "testPattern";

export interface PublisherHandle {
  readonly id: string;
  readonly type: PublisherType;
  requestKeyframe(kind: MediaKind): void;
  close(reason: string): void;
}

export interface ViewerHandle {
  readonly id: string;
  bytesSent(): number;
  /** Worst fraction lost (0..1) in the latest receiver reports of its streams; undefined before any. */
  fractionLost(): number | undefined;
  close(reason: string): void;
}

export interface PathSource {
  readonly codec: PathCodec;
  readonly fanout: FanoutSource;
}

export interface PathInfo {
  name: string;
  source: "whip" | "rtp" | "testPattern";
  publisher: boolean;
  publisherType: PublisherType | null;
  viewers: number;
  codecs: string[];
  bytesIn: number;
  bytesOut: number;
}

export interface PathDeps {
  metrics: MediaCounters;
  nack: NackOptions;
  reports: ReportScheduler;
  createFanout: FanoutFactory;
  /** Minimum gap between keyframe requests forwarded to the publisher, per source. */
  pliIntervalMs?: number;
}

export class MediaPath {
  private publisher: PublisherHandle | undefined;
  private readonly sources = new Map<MediaKind, PathSource>();
  private readonly viewers = new Map<string, ViewerHandle>();
  private readonly publisherWaiters = new Set<() => void>();
  private bytesIn = 0;
  private bytesOutOfEnded = 0;
  private closed = false;

  constructor(readonly config: PathConfig, private readonly deps: PathDeps) {}

  get name(): string {
    return this.config.name;
  }

  get hasPublisher(): boolean {
    return this.publisher !== undefined;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Takes the publisher slot; 409 when someone already has it. */
  claimPublisher(handle: PublisherHandle): void {
    if (this.closed) throw new SessionError("SHUTTING_DOWN");
    if (this.publisher) throw new SessionError("PUBLISHER_EXISTS", `path "${this.name}" is fed by ${this.publisher.type}`);
    this.publisher = handle;
  }

  /** Adds the publisher's stream of one kind; viewers can attach once it exists. */
  addSource(handle: PublisherHandle, codec: PathCodec): FanoutSource {
    if (this.publisher !== handle) throw new Error(`publisher ${handle.id} does not own path ${this.name}`);
    this.sources.get(codec.kind)?.fanout.close();
    const limiter = createRateLimiter(this.deps.pliIntervalMs ?? 500);
    const fanout = this.deps.createFanout({
      path: this.name,
      kind: codec.kind,
      codec: { mimeType: codec.mimeType, clockRate: codec.clockRate, payloadType: codec.payloadType, ...(codec.channels !== undefined ? { channels: codec.channels } : {}) },
      nack: this.deps.nack,
      reports: this.deps.reports,
      metrics: this.deps.metrics,
      // Without a PLI path (RTP ingest, test pattern) a viewer must wait for the next keyframe.
      startOnKeyframe: handle.type !== "whip",
      requestKeyframe: () => {
        if (this.publisher !== handle || !limiter.tryAcquire()) return;
        this.deps.metrics.pliForwarded.inc();
        handle.requestKeyframe(codec.kind);
      },
    });
    this.sources.set(codec.kind, { codec, fanout });
    return fanout;
  }

  /** The publisher is live (its sources exist): wake viewers waiting for it. */
  publisherReady(handle: PublisherHandle): void {
    if (this.publisher !== handle) return;
    for (const wake of [...this.publisherWaiters]) wake();
  }

  /** Counts ingress and hands the packet to the source of that kind. */
  push(kind: MediaKind, packet: RtpPacket): void {
    const source = this.sources.get(kind);
    if (!source) return;
    this.bytesIn += packet.serializeSize;
    this.deps.metrics.rtpPacketsReceived.inc();
    this.deps.metrics.rtpBytesReceived.inc(packet.serializeSize);
    source.fanout.push(packet);
  }

  source(kind: MediaKind): PathSource | undefined {
    return this.sources.get(kind);
  }

  allSources(): PathSource[] {
    return [...this.sources.values()];
  }

  /** Called by the publisher as it ends: sources close, every viewer is ended. */
  releasePublisher(handle: PublisherHandle, reason: string): void {
    if (this.publisher !== handle) return;
    this.publisher = undefined;
    for (const source of this.sources.values()) source.fanout.close();
    this.sources.clear();
    for (const viewer of [...this.viewers.values()]) viewer.close(`publisher-${reason}`);
  }

  addViewer(handle: ViewerHandle): void {
    if (this.closed) throw new SessionError("SHUTTING_DOWN");
    const max = this.config.maxViewers ?? 0;
    if (max > 0 && this.viewers.size >= max) {
      throw new SessionError("SESSION_LIMIT", `path "${this.name}" allows ${max} viewers`, 5);
    }
    this.viewers.set(handle.id, handle);
  }

  forgetViewer(handle: ViewerHandle): void {
    if (this.viewers.get(handle.id) !== handle) return;
    this.viewers.delete(handle.id);
    this.bytesOutOfEnded += handle.bytesSent();
  }

  /** Resolves when a publisher's sources are ready, rejects with 409 after `timeoutMs`. */
  waitForPublisher(timeoutMs: number): Promise<void> {
    if (this.publisher && this.sources.size > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.publisherWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.publisherWaiters.delete(done);
        reject(new SessionError("NO_PUBLISHER", `nobody published on "${this.name}" within ${timeoutMs} ms`, 2));
      }, timeoutMs);
      this.publisherWaiters.add(done);
    });
  }

  historyBytes(): number {
    let total = 0;
    for (const source of this.sources.values()) total += source.fanout.historyBytes();
    return total;
  }

  /** Each viewer's fraction lost, read when metrics are scraped (nothing is kept for it here). */
  *viewerFractionsLost(): Generator<number | undefined> {
    for (const viewer of this.viewers.values()) yield viewer.fractionLost();
  }

  info(): PathInfo {
    let bytesOut = this.bytesOutOfEnded;
    for (const viewer of this.viewers.values()) bytesOut += viewer.bytesSent();
    const configured = this.config.source?.rtp ? "rtp" : this.config.source?.testPattern ? "testPattern" : "whip";
    return {
      name: this.name,
      source: configured,
      publisher: this.publisher !== undefined,
      publisherType: this.publisher?.type ?? null,
      viewers: this.viewers.size,
      codecs: [...this.sources.values()].map((s) => codecName(s.codec.mimeType)),
      bytesIn: this.bytesIn,
      bytesOut,
    };
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const viewer of [...this.viewers.values()]) viewer.close(reason);
    this.publisher?.close(reason);
    for (const source of this.sources.values()) source.fanout.close();
    this.sources.clear();
  }
}

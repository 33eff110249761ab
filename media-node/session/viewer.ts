/**
 * A WHEP viewer: a werift peer connection sending the path's source streams. Its codecs
 * are exactly the source's (payload type per viewer, as its offer chose); it ends on
 * DELETE, when ICE fails or never completes within `webrtc.sessionTimeout`, or when the
 * publisher leaves.
 */
import { randomUUID } from "node:crypto";
import type { RTCPeerConnection, RTCRtpTransceiver, RtcpPacket } from "werift";
import type { ForwardedTrack, MediaKind } from "../fanout/types.js";
import { HttpError } from "../http/errors.js";
import type { SdpFragment } from "../http/sdpfrag.js";
import { stripNackFeedback, unknownSsrcReason } from "../fanout/index.js";
import { codecName, viewerCodec } from "./codecs.js";
import type { SessionContext } from "./context.js";
import { addTrickledCandidates, answerWithCandidates, applyRemoteOffer, startWatchdog } from "./negotiate.js";
import type { MediaPath, ViewerHandle } from "./path.js";
import { assertUsableOffer } from "./sdp-offer.js";
import { closePeer } from "./close-notify.js";
import type { WebrtcSession } from "./types.js";
import { ViewerLink, viewerLinkProblems } from "./viewer-link.js";

/**
 * A linked viewer is ended after this long without a datagram from it, unless sessionTimeout
 * is longer: ICE consent (RFC 7675) expires after 30 s, the bound werift's agent used.
 */
const LINKED_SILENCE_MS = 30_000;

export class ViewerSession implements WebrtcSession, ViewerHandle {
  readonly id = randomUUID();
  readonly role = "viewer";
  readonly etag = `"${randomUUID()}"`;
  private pc: RTCPeerConnection | undefined;
  /** Set once the connection is handed over from werift (viewer-link.ts). */
  private link: ViewerLink | undefined;
  private stopWatchingPc: () => void = () => undefined;
  private tracks: ForwardedTrack[] = [];
  private bytesOfClosedTracks = 0;
  private connected = false;
  private readonly createdAt = Date.now();
  private stopWatchdog: () => void = () => undefined;
  private isClosed = false;

  constructor(private readonly ctx: SessionContext, readonly path: MediaPath) {}

  get closed(): boolean {
    return this.isClosed;
  }

  async start(offer: string): Promise<string> {
    const path = this.path;
    if (!path.hasPublisher || path.allSources().length === 0) {
      if (!path.config.waitForPublisher) throw new HttpError("NO_PUBLISHER", `path "${path.name}"`, { "Retry-After": "2" });
      await path.waitForPublisher(this.ctx.sessionTimeoutMs);
    }
    assertUsableOffer(offer, (kind, name) => {
      const source = path.source(kind as MediaKind);
      return source !== undefined && codecName(source.codec.mimeType).toLowerCase() === name.toLowerCase();
    });
    path.addViewer(this);
    try {
      const nack = this.ctx.webrtc.nack.mode;
      const video = path.source("video");
      const audio = path.source("audio");
      const pc = this.ctx.peers.createPeerConnection({
        codecs: { video: video ? [viewerCodec(video.codec, nack)] : [], audio: audio ? [viewerCodec(audio.codec, nack)] : [] },
      });
      this.pc = pc;
      const watch = pc.connectionStateChange.subscribe((state) => {
        if (state === "connected") {
          this.connected = true;
          setImmediate(() => this.linkWhenReady());
        }
        if (state === "failed" || state === "closed") this.close(`ice-${state}`);
      });
      this.stopWatchingPc = () => watch.unSubscribe();
      await applyRemoteOffer(pc, this.ctx.peers, offer);
      const sending = pc.getTransceivers().filter((t) => this.prepareTransceiver(t));
      const answer = await answerWithCandidates(pc);
      if (this.isClosed) throw new HttpError("NO_PUBLISHER", "the publisher left during negotiation", { "Retry-After": "2" });
      for (const transceiver of sending) {
        const source = path.source(transceiver.kind as MediaKind);
        if (!source) continue;
        this.tracks.push(source.fanout.attach({ id: `${this.id}:${transceiver.kind}`, pc, transceiver, sender: transceiver.sender }));
      }
      this.ctx.registry.register(this);
      const linkedSilenceMs = Math.max(0, LINKED_SILENCE_MS - this.ctx.sessionTimeoutMs);
      const lastActivity = () => (this.link ? this.link.lastHeardMs + linkedSilenceMs : this.connected ? Date.now() : this.createdAt);
      this.stopWatchdog = startWatchdog(this.ctx.sessionTimeoutMs, lastActivity, () => this.close(this.link ? "viewer-silent" : "ice-timeout"));
      this.ctx.logger.info({ path: path.name, session: this.id }, "viewer started");
      // werift copies the offer's rtcp-fb lines into the answer; with NACK off none may stay.
      return nack === "off" ? stripNackFeedback(answer) : answer;
    } catch (error) {
      this.close("negotiation-failed");
      throw error;
    }
  }

  private prepareTransceiver(transceiver: RTCRtpTransceiver): boolean {
    const source = this.path.source(transceiver.kind as MediaKind);
    if (!source || transceiver.codecs.length === 0) {
      transceiver.setDirection("inactive");
      return false;
    }
    transceiver.setDirection("sendonly");
    return true;
  }

  /**
   * Hand the connection over from werift once every track can send without it (viewer-link.ts).
   * A connection that cannot be linked (werift's stock path, an unexpected shape) stays with
   * werift, as before.
   */
  private linkWhenReady(): void {
    const pc = this.pc;
    if (this.isClosed || this.link || !pc || this.tracks.length === 0) return;
    if (!this.tracks.every((t) => t.canLink?.() === true)) return;
    const problems = viewerLinkProblems(pc);
    if (problems.length > 0) {
      this.ctx.logger.debug({ path: this.path.name, session: this.id, problems }, "viewer stays on werift");
      return;
    }
    const transportSeq = (pc.dtlsTransports[0] as unknown as { transportSequenceNumber?: number }).transportSequenceNumber ?? 0;
    const link = new ViewerLink(pc, transportSeq);
    const linked = this.tracks.map((track) => track.linkTo!(link));
    if (linked.includes(false)) {
      // canLink said yes a moment ago; a track left on a transport about to close would go silent
      link.close();
      this.close("link-failed");
      return;
    }
    link.listen({
      onRtcp: (packet) => this.routeRtcp(packet),
      onClosed: (reason) => this.close(reason),
      onMalformed: (kind, reason) => this.ctx.metrics.malformedInput.inc({ kind, reason }),
    });
    this.link = link;
    this.pc = undefined;
    this.stopWatchingPc();
    // werift sends nothing on close (no alert) and the adopted transport ignores its close()
    pc.close().catch(() => undefined);
    this.ctx.metrics.viewersLinked.inc();
  }

  private routeRtcp(packet: RtcpPacket): void {
    let claimed = false;
    for (const track of this.tracks) if (track.receiveRtcp?.(packet)) claimed = true;
    if (claimed) return;
    // no track claimed it: every SSRC it names is unknown to this viewer
    const reason = unknownSsrcReason(packet, () => false);
    if (reason) this.ctx.metrics.malformedInput.inc({ kind: "rtcp", reason });
  }

  bytesSent(): number {
    let total = this.bytesOfClosedTracks;
    for (const track of this.tracks) total += track.stats().bytesSent;
    return total;
  }

  fractionLost(): number | undefined {
    let worst: number | undefined;
    for (const track of this.tracks) {
      const fraction = track.stats().fractionLost;
      if (fraction !== undefined && (worst === undefined || fraction > worst)) worst = fraction;
    }
    return worst;
  }

  async addRemoteCandidates(fragment: SdpFragment): Promise<void> {
    if (this.pc) await addTrickledCandidates(this.pc, this.ctx.peers, fragment);
  }

  close(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stopWatchdog();
    for (const track of this.tracks) {
      this.bytesOfClosedTracks += track.stats().bytesSent;
      track.close();
    }
    this.tracks = [];
    this.path.forgetViewer(this);
    this.ctx.registry.forget(this);
    this.stopWatchingPc();
    if (this.link) this.link.close();
    if (this.pc) closePeer(this.pc);
    this.link = undefined;
    this.pc = undefined;
    this.ctx.metrics.sessionsEnded.inc({ kind: "viewer", reason });
    this.ctx.logger.info({ path: this.path.name, session: this.id, reason }, "viewer ended");
  }
}

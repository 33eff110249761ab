/**
 * A WHEP viewer: werift negotiates and connects it (a peer connection sending the path's source
 * streams, codecs exactly the source's, payload type per viewer as its offer chose); once
 * connected the werift boundary hands the connection over as plain data (werift/handoff.ts),
 * a ViewerLink runs it and werift's peer connection is closed. It ends on DELETE, when ICE
 * fails or never completes within `webrtc.sessionTimeout`, when a linked viewer goes silent or
 * says goodbye, or when the publisher leaves.
 */
import { randomUUID } from "node:crypto";
import type { RTCPeerConnection, RTCRtpSender, RTCRtpTransceiver, RtcpPacket } from "werift";
import type { ForwardedTrack, MediaKind } from "../fanout/types.js";
import { assertStillNegotiating, negotiationError, SessionError } from "./errors.js";
import type { SdpFragment } from "./types.js";
import { stripNackFeedback, unknownSsrcReason } from "../fanout/index.js";
import { codecName, viewerCodec } from "./codecs.js";
import type { SessionContext } from "./context.js";
import { addTrickledCandidates, answerWithCandidates, applyRemoteOffer } from "./negotiate.js";
import type { MediaPath, ViewerHandle } from "./path.js";
import { assertUsableOffer } from "./sdpOffer.js";
import { closePeer, handOffViewer } from "../werift/index.js";
import type { WebrtcSession } from "./types.js";
import { ViewerLink } from "./viewerLink.js";

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
  /** Set once the connection is handed over from werift (viewerLink.ts); one per DTLS transport (BUNDLE: one). */
  private links: ViewerLink[] | undefined;
  private stopWatchingPc: () => void = () => undefined;
  private tracks: ForwardedTrack[] = [];
  /** werift's sender of each track, same order: what the handoff asks about. */
  private senders: RTCRtpSender[] = [];
  private bytesOfClosedTracks = 0;
  private connected = false;
  private readonly createdAt = Date.now();
  private stopWatchdog: () => void = () => undefined;
  /** Why close() ran, once it has; set while negotiating means the node ended the session under the client. */
  private endReason: string | undefined;

  constructor(private readonly ctx: SessionContext, readonly path: MediaPath) {}

  get closed(): boolean {
    return this.endReason !== undefined;
  }

  async start(offer: string): Promise<string> {
    const path = this.path;
    if (!path.hasPublisher || path.allSources().length === 0) {
      if (!path.config.waitForPublisher) throw new SessionError("NO_PUBLISHER", `path "${path.name}"`, 2);
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
          // after werift has finished announcing the state: the peer connection is closed there
          setImmediate(() => this.handOver());
        }
        if (state === "failed" || state === "closed") this.close(`ice-${state}`);
      });
      this.stopWatchingPc = () => watch.unSubscribe();
      await applyRemoteOffer(pc, this.ctx.peers, offer);
      assertStillNegotiating(this.endReason, this.ctx.registry.isClosing);
      const sending = pc.getTransceivers().filter((t) => this.prepareTransceiver(t));
      const answer = await answerWithCandidates(pc);
      assertStillNegotiating(this.endReason, this.ctx.registry.isClosing);
      for (const transceiver of sending) {
        const source = path.source(transceiver.kind as MediaKind);
        if (!source) continue;
        this.tracks.push(source.fanout.attach({ id: `${this.id}:${transceiver.kind}`, sender: transceiver.sender }));
        this.senders.push(transceiver.sender);
      }
      this.ctx.registry.register(this);
      const linkedSilenceMs = Math.max(0, LINKED_SILENCE_MS - this.ctx.sessionTimeoutMs);
      const lastActivity = () => (this.links ? Math.max(...this.links.map((l) => l.lastHeardMs)) + linkedSilenceMs : this.connected ? Date.now() : this.createdAt);
      this.stopWatchdog = this.ctx.watchdogs.watch(lastActivity, () => this.close(this.links ? "viewer-silent" : "ice-timeout"));
      this.ctx.logger.info({ path: path.name, session: this.id }, "viewer started");
      // werift copies the offer's rtcp-fb lines into the answer; with NACK off none may stay.
      return nack === "off" ? stripNackFeedback(answer) : answer;
    } catch (error) {
      const refusal = negotiationError(error, this.endReason, this.ctx.registry.isClosing);
      this.close("negotiation-failed");
      throw refusal;
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
   * Take the connection over from werift (werift/handoff.ts copies it out as plain data), let
   * each track send through its link, and close werift's peer connection. werift's stock
   * fan-out (tracks without `linkTo`, the benchmark's baseline) keeps its peer connection.
   * A connection the handoff cannot copy ends the session, loudly: the lean tracks have no
   * other way to send.
   */
  private handOver(): void {
    const pc = this.pc;
    if (this.closed || this.links || !pc || this.tracks.length === 0) return;
    if (!this.tracks.every((t) => t.linkTo !== undefined)) return;
    const links: ViewerLink[] = [];
    try {
      const handoff = handOffViewer(pc, this.senders);
      for (const connection of handoff.connections) links.push(new ViewerLink(connection));
      handoff.senders.forEach(({ connection, sender }, i) => this.tracks[i]!.linkTo!(links[connection]!, sender));
    } catch (error) {
      for (const link of links) link.close();
      this.ctx.logger.error({ path: this.path.name, session: this.id, err: error }, "viewer handoff from werift failed");
      this.close("handoff-failed");
      return;
    }
    for (const link of links) {
      link.listen({
        onRtcp: (packet) => this.routeRtcp(packet),
        onClosed: (reason) => this.close(reason),
        onMalformed: (kind, reason) => this.ctx.metrics.malformedInput.inc({ kind, reason }),
      });
    }
    this.links = links;
    this.pc = undefined;
    this.senders = [];
    this.stopWatchingPc();
    // werift sends nothing on close (no alert) and the adopted transports ignore its close()
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
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.stopWatchdog();
    for (const track of this.tracks) {
      this.bytesOfClosedTracks += track.stats().bytesSent;
      track.close();
    }
    this.tracks = [];
    this.path.forgetViewer(this);
    this.ctx.registry.forget(this);
    this.stopWatchingPc();
    for (const link of this.links ?? []) link.close();
    if (this.pc) closePeer(this.pc);
    this.links = undefined;
    this.pc = undefined;
    this.senders = [];
    this.ctx.metrics.sessionsEnded.inc({ kind: "viewer", reason });
    this.ctx.logger.info({ path: this.path.name, session: this.id, reason }, "viewer ended");
  }
}

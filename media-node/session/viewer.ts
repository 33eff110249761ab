/**
 * A WHEP viewer: a werift peer connection sending the path's source streams. Its codecs
 * are exactly the source's (payload type per viewer, as its offer chose); it ends on
 * DELETE, when ICE fails or never completes within `webrtc.sessionTimeout`, or when the
 * publisher leaves.
 */
import { randomUUID } from "node:crypto";
import type { RTCPeerConnection, RTCRtpTransceiver } from "werift";
import type { ForwardedTrack, MediaKind } from "../fanout/types.js";
import { HttpError } from "../http/errors.js";
import type { SdpFragment } from "../http/sdpfrag.js";
import { stripNackFeedback } from "../fanout/index.js";
import { codecName, viewerCodec } from "./codecs.js";
import type { SessionContext } from "./context.js";
import { addTrickledCandidates, answerWithCandidates, applyRemoteOffer, startWatchdog } from "./negotiate.js";
import type { MediaPath, ViewerHandle } from "./path.js";
import { assertUsableOffer } from "./sdp-offer.js";
import { closePeer } from "./close-notify.js";
import type { WebrtcSession } from "./types.js";

export class ViewerSession implements WebrtcSession, ViewerHandle {
  readonly id = randomUUID();
  readonly role = "viewer";
  readonly etag = `"${randomUUID()}"`;
  private pc: RTCPeerConnection | undefined;
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
      pc.connectionStateChange.subscribe((state) => {
        if (state === "connected") this.connected = true;
        if (state === "failed" || state === "closed") this.close(`ice-${state}`);
      });
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
      this.stopWatchdog = startWatchdog(this.ctx.sessionTimeoutMs, () => (this.connected ? Date.now() : this.createdAt), () => this.close("ice-timeout"));
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

  bytesSent(): number {
    let total = this.bytesOfClosedTracks;
    for (const track of this.tracks) total += track.stats().bytesSent;
    return total;
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
    if (this.pc) closePeer(this.pc);
    this.ctx.metrics.sessionsEnded.inc({ kind: "viewer", reason });
    this.ctx.logger.info({ path: this.path.name, session: this.id, reason }, "viewer ended");
  }
}

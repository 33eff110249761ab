/**
 * A WHIP publisher: a werift peer connection receiving VP8/H264 video and Opus audio.
 * Each negotiated kind becomes a source of its path; the session ends on DELETE, on ICE
 * failure, or when no RTP arrived for `webrtc.sessionTimeout` (a publisher that vanished
 * without DELETE), and its viewers are ended with it.
 */
import { randomUUID } from "node:crypto";
import type { MediaStreamTrack, RTCPeerConnection, RTCRtpTransceiver } from "werift";
import type { MediaKind } from "../fanout/types.js";
import type { SdpFragment } from "./types.js";
import { isSupportedCodec, pathCodecFromNegotiated, publisherCodecs } from "./codecs.js";
import type { SessionContext } from "./context.js";
import { addTrickledCandidates, answerWithCandidates, applyRemoteOffer } from "./negotiate.js";
import type { MediaPath, PublisherHandle } from "./path.js";
import { assertStillNegotiating, negotiationError } from "./errors.js";
import { assertUsableOffer } from "./sdpOffer.js";
import { boundNackLoop, closePeer } from "../werift/index.js";
import type { WebrtcSession } from "./types.js";

export class PublisherSession implements WebrtcSession, PublisherHandle {
  readonly id = randomUUID();
  readonly role = "publisher";
  readonly type = "whip";
  readonly etag = `"${randomUUID()}"`;
  private pc: RTCPeerConnection | undefined;
  private readonly tracks = new Map<MediaKind, MediaStreamTrack>();
  private lastActivity = Date.now();
  private stopWatchdog: () => void = () => undefined;
  /** Why close() ran, once it has; set while negotiating means the node ended the session under the client. */
  private endReason: string | undefined;

  constructor(private readonly ctx: SessionContext, readonly path: MediaPath) {}

  get closed(): boolean {
    return this.endReason !== undefined;
  }

  /** Negotiates and returns the answer SDP; throws SessionError on bad offers (the session is then closed). */
  async start(offer: string): Promise<string> {
    assertUsableOffer(offer, isSupportedCodec);
    this.path.claimPublisher(this);
    try {
      const pc = this.ctx.peers.createPeerConnection({ codecs: publisherCodecs() });
      this.pc = pc;
      pc.connectionStateChange.subscribe((state) => {
        if (state === "failed" || state === "closed") this.close(`ice-${state}`);
      });
      pc.onTrack.subscribe((track) => this.receive(track));
      await applyRemoteOffer(pc, this.ctx.peers, offer);
      assertStillNegotiating(this.endReason, this.ctx.registry.isClosing);
      const receiving = pc.getTransceivers().filter((t) => this.prepareTransceiver(t));
      // werift's receiver NACK loop would otherwise tick every 5 ms forever after the first repaired gap
      for (const transceiver of receiving) boundNackLoop(transceiver.receiver);
      const answer = await answerWithCandidates(pc);
      assertStillNegotiating(this.endReason, this.ctx.registry.isClosing);
      for (const transceiver of receiving) {
        const codec = transceiver.codecs[0];
        if (codec) this.path.addSource(this, pathCodecFromNegotiated(transceiver.kind as MediaKind, codec));
      }
      this.ctx.registry.register(this);
      this.lastActivity = Date.now();
      this.stopWatchdog = this.ctx.watchdogs.watch(() => this.lastActivity, () => this.close("media-timeout"));
      this.path.publisherReady(this);
      this.ctx.logger.info({ path: this.path.name, session: this.id, codecs: this.path.info().codecs }, "publisher started");
      return answer;
    } catch (error) {
      const refusal = negotiationError(error, this.endReason, this.ctx.registry.isClosing);
      this.close("negotiation-failed");
      throw refusal;
    }
  }

  /** Receives one kind with exactly one codec (the publisher's first usable one), so the source codec is unambiguous. */
  private prepareTransceiver(transceiver: RTCRtpTransceiver): boolean {
    const usable = transceiver.codecs.filter((c) => isSupportedCodec(transceiver.kind, c.mimeType.split("/")[1] ?? ""));
    if (usable.length === 0 || this.path.source(transceiver.kind as MediaKind)) {
      transceiver.setDirection("inactive");
      return false;
    }
    transceiver.setCodecPreferences([usable[0]!]);
    transceiver.setDirection("recvonly");
    return true;
  }

  private receive(track: MediaStreamTrack): void {
    const kind = track.kind as MediaKind;
    this.tracks.set(kind, track);
    track.onReceiveRtp.subscribe((packet) => {
      this.lastActivity = Date.now();
      this.path.push(kind, packet);
    });
  }

  requestKeyframe(kind: MediaKind): void {
    const track = this.tracks.get(kind);
    const receiver = this.pc?.getTransceivers().find((t) => t.kind === kind)?.receiver;
    if (!track?.ssrc || !receiver) return;
    receiver.sendRtcpPLI(track.ssrc).catch(() => undefined);
  }

  async addRemoteCandidates(fragment: SdpFragment): Promise<void> {
    if (this.pc) await addTrickledCandidates(this.pc, this.ctx.peers, fragment);
  }

  close(reason: string): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.stopWatchdog();
    this.path.releasePublisher(this, reason);
    this.ctx.registry.forget(this);
    if (this.pc) closePeer(this.pc);
    this.ctx.metrics.sessionsEnded.inc({ kind: "publisher", reason });
    this.ctx.logger.info({ path: this.path.name, session: this.id, reason }, "publisher ended");
  }
}

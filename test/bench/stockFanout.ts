/**
 * werift's stock send path behind the FanoutSource seam: each viewer gets its own
 * MediaStreamTrack on its sender and every packet goes through `RTCRtpSender.sendRtp`
 * (which clones the packet, rewrites the header, keeps a 128-packet NACK cache and runs
 * an RTCP loop per sender). Not part of the product: the benchmarks measure the lean path
 * against it by running test/bench/stockMediaNode.ts, which hands it to the node.
 */
import { MediaStreamTrack, RtcpRrPacket, RtcpSrPacket, type RtcpPacket, type RtpPacket } from "werift";
import type { FanoutSource, FanoutSourceOptions, ForwardedTrack, ViewerBinding } from "../../media-node/fanout/types.js";
import { keyframeDetector } from "../../media-node/codec/keyframe.js";

/** werift's RTCRtpSender keeps this many packets for retransmission (rtpSender.js RTP_HISTORY_SIZE). */
const STOCK_SENDER_CACHE_PACKETS = 128;

interface StockViewer {
  track: ForwardedTrack;
  send(packet: RtpPacket): void;
}

export function createStockFanoutSource(options: FanoutSourceOptions): FanoutSource {
  const { path, kind, codec, metrics, requestKeyframe } = options;
  const isKeyframe = keyframeDetector(codec.mimeType);
  const gate = options.startOnKeyframe === true && kind === "video";
  const viewers = new Map<string, StockViewer>();
  let averagePacketBytes = 0;
  let closed = false;

  const attach = (binding: ViewerBinding): ForwardedTrack => {
    const { sender } = binding;
    const outgoing = new MediaStreamTrack({ kind });
    void sender.replaceTrack(outgoing).catch(() => undefined);
    let waiting = gate;
    let packetsSent = 0;
    let bytesSent = 0;
    let isClosed = false;
    let fractionLost: number | undefined;
    const pli = sender.onPictureLossIndication.subscribe(() => requestKeyframe());
    // werift keeps the viewer's loss in a private field; its public onRtcp hands every packet
    // routed to this sender over, so the latest report block for our SSRC is kept here.
    const rtcp = sender.onRtcp.subscribe((packet: RtcpPacket) => {
      if (!(packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket)) return;
      for (const report of packet.reports) if (report.ssrc === sender.ssrc) fractionLost = report.fractionLost / 256;
    });
    const track: ForwardedTrack = {
      id: binding.id,
      get closed() {
        return isClosed;
      },
      stats: () => ({ packetsSent, bytesSent, retransmitted: 0, nackSuppressed: 0, nackMisses: 0, fractionLost, rttMs: undefined, senderReports: 0 }),
      nackStateBytes: () => Math.min(packetsSent, STOCK_SENDER_CACHE_PACKETS) * averagePacketBytes,
      close() {
        if (isClosed) return;
        isClosed = true;
        pli.unSubscribe();
        rtcp.unSubscribe();
        viewers.delete(binding.id);
        outgoing.stop();
      },
    };
    viewers.set(binding.id, {
      track,
      send(packet) {
        if (waiting) {
          if (!isKeyframe(packet.payload)) return;
          waiting = false;
        }
        packetsSent += 1;
        bytesSent += packet.payload.length + 12;
        metrics.rtpPacketsSent.inc();
        metrics.rtpBytesSent.inc(packet.payload.length + 12);
        sender.sendRtp(packet).catch(() => undefined);
      },
    });
    requestKeyframe();
    return track;
  };

  return {
    path,
    kind,
    codec,
    push(packet) {
      if (closed) return;
      averagePacketBytes = averagePacketBytes === 0 ? packet.serializeSize : averagePacketBytes * 0.99 + packet.serializeSize * 0.01;
      for (const viewer of viewers.values()) viewer.send(packet);
    },
    attach,
    historyBytes() {
      let total = 0;
      for (const viewer of viewers.values()) total += viewer.track.nackStateBytes();
      return total;
    },
    viewerCount: () => viewers.size,
    close() {
      if (closed) return;
      closed = true;
      for (const viewer of [...viewers.values()]) viewer.track.close();
    },
  };
}

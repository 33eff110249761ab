/**
 * Plain RTP over UDP into a path (e.g. `ffmpeg ... -f rtp rtp://host:5004`). Every datagram
 * is checked before parsing; malformed ones are counted (`malformed_input{kind="rtp"}`)
 * and dropped. There is no way to ask the sender for a keyframe, so viewers of the path
 * start at the next one (the fan-out's startOnKeyframe).
 */
import { createSocket, type Socket } from "node:dgram";
import type { Logger } from "pino";
import { RtpPacket } from "werift";
import type { RtpSourceConfig } from "../config/types.js";
import type { MediaCounters } from "../fanout/mediaCounters.js";
import type { MediaPath, PublisherHandle } from "../session/path.js";
import { checkRtpDatagram } from "./rtpValidate.js";
import { ingestPathCodec } from "./sourceCodec.js";

export interface RtpIngest {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRtpIngest(options: { path: MediaPath; config: RtpSourceConfig; metrics: MediaCounters; logger: Logger }): Promise<RtpIngest> {
  const { path, config, metrics, logger } = options;
  const codec = ingestPathCodec(config);
  const socket: Socket = createSocket({ type: config.host.includes(":") ? "udp6" : "udp4", reuseAddr: false });
  let closed = false;
  const handle: PublisherHandle = {
    id: `rtp-${path.name}`,
    type: "rtp",
    requestKeyframe: () => undefined,
    close: () => void close(),
  };

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(config.port, config.host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", (error) => logger.warn({ err: error, path: path.name }, "rtp ingest socket error"));

  path.claimPublisher(handle);
  path.addSource(handle, codec);
  path.publisherReady(handle);

  socket.on("message", (datagram) => {
    const check = checkRtpDatagram(datagram, config.payloadType);
    if (!check.ok) {
      metrics.malformedInput.inc({ kind: "rtp", reason: check.reason });
      return;
    }
    let packet: RtpPacket;
    try {
      packet = RtpPacket.deSerialize(datagram);
    } catch {
      metrics.malformedInput.inc({ kind: "rtp", reason: "parse" });
      return;
    }
    path.push(codec.kind, packet);
  });
  logger.info({ path: path.name, port: config.port, codec: config.codec }, "rtp ingest listening");

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    path.releasePublisher(handle, "ingest-stopped");
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  return { port: config.port, close };
}

/**
 * Bounds each packet of a compound RTCP datagram before werift parses it.
 *
 * werift 0.25.2's `RtcpPacketConverter.deSerialize` hands every packet parser the REST of the
 * compound datagram (`data.subarray(pos)`) instead of that packet's own `length` words. A
 * Generic NACK followed by another packet in the same compound (Chromium sends NACK + REMB /
 * transport-cc together) is therefore read past its end: the following packets' bytes become
 * bogus "lost" sequence numbers. Measured with Chromium at 5 % loss: ~15 requested sequence
 * numbers per NACK, 93 % of them not real (counted as misses), while werift peers, which do
 * not compound feedback, never show it.
 *
 * The wrap splits the compound by each header's length field and calls werift's own parser
 * once per packet, so werift still does all the parsing. A packet whose length runs past the
 * datagram is counted and dropped with the rest of the datagram. Installed once per process.
 */
import { RtcpPacketConverter } from "werift";

type Deserialize = (data: Buffer) => unknown[];
const converter = RtcpPacketConverter as unknown as { deSerialize: Deserialize; [key: symbol]: unknown };
const INSTALLED = Symbol.for("mediafleet.rtcpCompoundBounds");

export function splitCompound(data: Buffer, onTruncated: () => void): Buffer[] {
  const packets: Buffer[] = [];
  let pos = 0;
  while (pos + 4 <= data.length) {
    const length = (data.readUInt16BE(pos + 2) + 1) * 4;
    if (pos + length > data.length) {
      onTruncated();
      break;
    }
    packets.push(data.subarray(pos, pos + length));
    pos += length;
  }
  if (pos < data.length && pos + 4 > data.length) onTruncated();
  return packets;
}

export function installRtcpCompoundBounds(onTruncated: () => void = () => undefined): void {
  if (typeof converter.deSerialize !== "function") {
    throw new Error("werift changed: RtcpPacketConverter.deSerialize is gone; re-check compound RTCP parsing before running the media node");
  }
  if (converter[INSTALLED]) return;
  const original = converter.deSerialize;
  converter.deSerialize = function boundedDeSerialize(data: Buffer): unknown[] {
    const out: unknown[] = [];
    for (const packet of splitCompound(data, onTruncated)) out.push(...original.call(this, packet));
    return out;
  };
  converter[INSTALLED] = true;
}

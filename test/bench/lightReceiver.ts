/**
 * LIGHT receive mode for the benchmark crowd: SRTP packets are counted from their RTP
 * header (sequence number, SSRC and payload type are not encrypted in SRTP) instead of
 * being decrypted, authenticated, parsed and routed through werift's receivers. ICE
 * (consent checks, keepalives) and DTLS still run in full, and the SRTP/SRTCP sessions are
 * still created so anything werift sends (RTCP) is encrypted as usual.
 *
 * Hook: werift's `RTCDtlsTransport.startSrtp()` (called once per transport after the DTLS
 * handshake) subscribes the inbound decrypt path to the ICE connection. In this process
 * only, it is replaced by one that builds the SRTP sessions and subscribes a header-only
 * counter. `assertLightHook()` fails loudly if werift's shape changes underneath.
 */
import { RTCDtlsTransport } from "werift";

export type RtpHeaderSink = (seq: number, ssrc: number, payloadType: number, bytes: number) => void;

const sinks = new WeakMap<RTCDtlsTransport, RtpHeaderSink>();
let installed = false;

export function assertLightHook(): void {
  const proto = RTCDtlsTransport.prototype as unknown as Record<string, unknown>;
  for (const name of ["startSrtp", "updateSrtpSession"]) {
    if (typeof proto[name] !== "function") {
      throw new Error(`werift RTCDtlsTransport.prototype.${name} is missing: the light receive hook no longer fits this werift`);
    }
  }
}

/** RTP, not RTCP: version 2 and a second byte outside the RTCP packet types 192..223. */
function rtpHeader(data: Buffer): [seq: number, ssrc: number, pt: number] | undefined {
  if (data.length < 12 || data[0]! >> 6 !== 2) return undefined;
  const second = data[1]!;
  if (second >= 192 && second <= 223) return undefined;
  return [data.readUInt16BE(2), data.readUInt32BE(8), second & 0x7f];
}

export function installLightReceive(): void {
  if (installed) return;
  assertLightHook();
  installed = true;
  RTCDtlsTransport.prototype.startSrtp = function startSrtpLight(this: RTCDtlsTransport) {
    if (this.srtpStarted) return;
    this.srtpStarted = true;
    this.updateSrtpSession();
    const transport = this;
    this.iceTransport.connection.onData.subscribe((data: Buffer) => {
      const header = rtpHeader(data);
      if (!header) return;
      sinks.get(transport)?.(header[0], header[1], header[2], data.length);
    });
  };
}

/** Routes a transport's packets to one viewer's counter (register before DTLS completes). */
export function setLightSink(transport: RTCDtlsTransport, sink: RtpHeaderSink): void {
  sinks.set(transport, sink);
}

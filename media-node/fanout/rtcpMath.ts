/**
 * NTP timestamps for sender reports and RTT from receiver reports (RFC 3550 6.4.1):
 * RTT = arrival - LSR - DLSR, which we compute as (now - when that SR left) - DLSR.
 */

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** 64-bit NTP timestamp (32.32 fixed point) for a wall-clock time in ms. */
export function ntpFromMs(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32);
  return (BigInt(seconds + NTP_UNIX_OFFSET_S) << 32n) | BigInt(fraction >>> 0);
}

/** The middle 32 bits of an NTP timestamp: what a receiver echoes as LSR. */
export function compactNtp(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}

/** RTT in ms from a receiver report about the SR we sent at srSentMs, or undefined when implausible. */
export function rttFromReport(nowMs: number, srSentMs: number, dlsr: number): number | undefined {
  const rtt = nowMs - srSentMs - (dlsr / 65536) * 1000;
  if (!Number.isFinite(rtt) || rtt < 0 || rtt > 60_000) return undefined;
  return rtt;
}

/** RTP timestamp "now" for a sender report: the last sent timestamp advanced by elapsed media time. */
export function rtpTimestampAt(nowMs: number, lastSentMs: number, lastTs: number, clockRate: number): number {
  const elapsed = Math.max(0, nowMs - lastSentMs);
  return (lastTs + Math.round((elapsed * clockRate) / 1000)) >>> 0;
}

/** abs-send-time header extension value: 6.18 fixed-point seconds, 24 bits. */
export function absSendTime24(ms: number): number {
  return Math.floor((ms / 1000) * 2 ** 18) & 0xffffff;
}

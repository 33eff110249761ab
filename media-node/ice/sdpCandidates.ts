/**
 * The mDNS policy applied to signalled candidates (SDP text and trickled lines). Pure.
 *
 * With mdns `off`, a `.local` candidate (RFC 8445 mDNS-obfuscated host, as browsers send)
 * is removed before werift sees it, so werift never opens its multicast socket. When that
 * leaves no usable candidate at all, `a=end-of-candidates` is withheld too: werift 0.25.2
 * declares ICE failed at once when candidates have ended and none can be paired, whereas
 * without the end marker it keeps answering the peer's checks, pairs the peer-reflexive
 * address they come from, and connects.
 */
import type { MdnsMode, PrepareRemoteSdpResult } from "./types.js";

export function isMdnsHostname(host: string): boolean {
  return /\.local\.?$/i.test(host);
}

/** The connection-address field of a candidate line ("a=candidate:…", "candidate:…"), or undefined if unparsable. */
export function candidateAddress(line: string): string | undefined {
  const body = line.trim().replace(/^a=/, "");
  if (!body.startsWith("candidate:")) return undefined;
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  const fields = body.slice("candidate:".length).split(/\s+/);
  return fields.length >= 7 ? fields[4] : undefined;
}

/** False when the policy drops this trickled candidate line. End-of-candidates lines are the caller's to pass. */
export function acceptCandidateLine(line: string, mode: MdnsMode): boolean {
  if (mode !== "off") return true;
  const address = candidateAddress(line);
  return address === undefined || !isMdnsHostname(address);
}

export function prepareRemoteSdp(sdp: string, mode: MdnsMode): PrepareRemoteSdpResult {
  if (mode !== "off") return { sdp, droppedMdnsCandidates: 0, withheldEndOfCandidates: false };
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(/\r?\n/);
  let dropped = 0;
  let usable = 0;
  const kept = lines.filter((line) => {
    const address = line.startsWith("a=candidate:") ? candidateAddress(line) : undefined;
    if (address === undefined) return true;
    if (isMdnsHostname(address)) {
      dropped++;
      return false;
    }
    usable++;
    return true;
  });
  const withhold = usable === 0 && kept.some((l) => l.trim() === "a=end-of-candidates");
  const out = withhold ? kept.filter((l) => l.trim() !== "a=end-of-candidates") : kept;
  return { sdp: out.join(eol), droppedMdnsCandidates: dropped, withheldEndOfCandidates: withhold };
}

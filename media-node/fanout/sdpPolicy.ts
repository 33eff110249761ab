/**
 * werift writes the OFFER's rtcp-fb lines into its answer (resolveRemoteCodecSet keeps the
 * remote codec objects), so a node configured with `nack.mode: off` would still answer
 * `a=rtcp-fb:<pt> nack` to a browser that offered it. The answer for `off` mode goes through
 * this filter: plain `nack` (retransmission requests) is removed, `nack pli` (keyframe
 * requests) and everything else is kept.
 */
export function stripNackFeedback(sdp: string): string {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  return sdp
    .split(/\r?\n/)
    .filter((line) => !/^a=rtcp-fb:(\d+|\*) nack\s*$/i.test(line))
    .join(eol);
}

/**
 * A first look at an SDP offer before werift sees it: is it SDP at all, does it carry
 * audio/video, and does it offer a codec we can use? Pure; each failure is an HttpError
 * with its own code so the route can count it (`malformedInput{kind:"sdp"}`).
 */
import { HttpError } from "../http/errors.js";

export interface OfferedCodec { payloadType: number; name: string; clockRate: number }
export interface OfferedMedia { kind: string; port: number; codecs: OfferedCodec[] }

export function parseOfferMedia(sdp: string): OfferedMedia[] {
  const lines = sdp.replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  if (lines[0]?.trim() !== "v=0") throw new HttpError("MALFORMED_SDP", "an SDP body starts with v=0");
  const media: OfferedMedia[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "") continue;
    if (!/^[a-z]=/.test(line)) throw new HttpError("MALFORMED_SDP", `not an SDP line: ${JSON.stringify(line.slice(0, 40))}`);
    if (line.startsWith("m=")) {
      const [kind, port] = line.slice(2).split(" ");
      if (!kind || port === undefined || !/^[0-9]+(\/[0-9]+)?$/.test(port)) {
        throw new HttpError("MALFORMED_SDP", `bad media line: ${JSON.stringify(line.slice(0, 60))}`);
      }
      media.push({ kind, port: Number.parseInt(port, 10), codecs: [] });
      continue;
    }
    const rtpmap = /^a=rtpmap:([0-9]+) ([^/\s]+)\/([0-9]+)/.exec(line);
    if (rtpmap && media.length > 0) {
      media.at(-1)!.codecs.push({ payloadType: Number(rtpmap[1]), name: rtpmap[2]!, clockRate: Number(rtpmap[3]) });
    }
  }
  return media;
}

/**
 * Throws unless the offer has at least one audio/video section and at least one of those
 * offers a codec `accepts` takes. Returns the usable sections.
 */
export function assertUsableOffer(sdp: string, accepts: (kind: string, codecName: string) => boolean): OfferedMedia[] {
  const av = parseOfferMedia(sdp).filter((m) => (m.kind === "audio" || m.kind === "video") && m.port !== 0);
  if (av.length === 0) throw new HttpError("SDP_WITHOUT_MEDIA");
  const usable = av.filter((m) => m.codecs.some((c) => accepts(m.kind, c.name)));
  if (usable.length === 0) {
    const offered = [...new Set(av.flatMap((m) => m.codecs.map((c) => `${m.kind}/${c.name}`)))].join(", ") || "none";
    throw new HttpError("UNSUPPORTED_CODEC", `offered ${offered}`);
  }
  return usable;
}

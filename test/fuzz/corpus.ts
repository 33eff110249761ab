/**
 * Real offers and trickle fragments the fuzzers start from. The `.sdp` files beside this one
 * were captured once: Chromium 156 (headless, fake camera and microphone) publishing
 * audio+video and viewing recvonly, and werift 0.25.2 (test/support/webrtcClient.ts's
 * setup) publishing and viewing. Their ufrags, fingerprints and ports are frozen, so a fuzz
 * seed replays the same cases on every machine.
 */
import { readFileSync } from "node:fs";

/** CRLF whatever a checkout did to the line ends (the mutators split on "\r\n"). */
const read = (name: string) => readFileSync(new URL(`./corpus/${name}.sdp`, import.meta.url), "utf8").replace(/\r?\n/g, "\r\n");

export const OFFERS = {
  chromiumPublisher: read("chromium-publisher"),
  chromiumViewer: read("chromium-viewer"),
  weriftPublisher: read("werift-publisher"),
  weriftViewer: read("werift-viewer"),
} as const;

export type OfferName = keyof typeof OFFERS;
export const OFFER_NAMES = Object.keys(OFFERS) as OfferName[];

/** Offers a WHIP publisher sends (sendonly), and those a WHEP viewer sends (recvonly). */
export const PUBLISHER_OFFERS: OfferName[] = ["chromiumPublisher", "weriftPublisher"];
export const VIEWER_OFFERS: OfferName[] = ["chromiumViewer", "weriftViewer"];

/** RFC 8840 trickle fragments as WHIP/WHEP clients PATCH them (Chromium-style and minimal). */
export const FRAGMENTS = [
  [
    "a=ice-ufrag:cXXA",
    "a=ice-pwd:X8GfPmE1OB8KSkAH500f/FCi",
    "m=audio 9 UDP/TLS/RTP/SAVPF 0",
    "a=mid:0",
    "a=candidate:3524181780 1 udp 2122194687 127.0.0.1 38757 typ host generation 0 network-id 3 network-cost 50",
    "a=candidate:3273829788 1 udp 2122267903 ::1 57781 typ host generation 0 network-id 4 network-cost 50",
    "a=candidate:1 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 0.0.0.0 rport 0 generation 0",
    "a=candidate:2 1 udp 2122194687 0f2a6c7e-1b0a-4e67-9a3c-1e7e8b1f0a11.local 50000 typ host generation 0",
    "m=video 9 UDP/TLS/RTP/SAVPF 0",
    "a=mid:1",
    "a=candidate:748972928 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active generation 0 network-id 3 network-cost 50",
    "a=end-of-candidates",
  ].join("\r\n") + "\r\n",
  "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n",
  "a=end-of-candidates\r\n",
];

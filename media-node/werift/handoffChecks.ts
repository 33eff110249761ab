/**
 * The registry's checks for what handoff.ts copies out of werift.
 *
 * "viewer-handoff": the same extractors the handoff uses, run on objects werift makes itself:
 * a sender after werift's own `prepareSend` (the negotiation step) must give back what it was
 * negotiated with; an RTCDtlsTransport has its transport-wide counter and its ICE transport's
 * agent; the agent has its password and a `nominated` slot; a candidate pair answers
 * `remoteAddr` and keeps its protocol.
 *
 * "srtp-keys": werift's own `updateSrtpSession` run on the probe's handshake (probe.ts) must
 * leave keys where `srtpKeysOf` reads them, in the direction the node sends with; and for both
 * profiles werift's SrtpSession / SrtcpSession and the node's own protectors must produce the
 * same bytes from the same keys (what the node sends, a werift or browser viewer decrypts).
 */
import { randomBytes } from "node:crypto";
import { createSrtpProtector } from "../fanout/srtp/createProtector.js";
import { createSrtcpProtector } from "../fanout/srtp/srtcp.js";
import type { SeamContext, Werift } from "./context.js";
import { negotiatedSenderOf, nominatedPathOf, srtpKeysOf } from "./handoff.js";
import type { SrtpKeys } from "./types.js";

const PROFILES = [0x0001, 0x0007] as const;

export function handoffShapeProblems(werift: Werift): string[] {
  const problems: string[] = [];
  try {
    const sender = new werift.RTCRtpSender("video");
    const codecs = [
      new werift.RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: 96 }),
      new werift.RTCRtpCodecParameters({ mimeType: "video/rtx", clockRate: 90000, payloadType: 97, parameters: "apt=96" }),
    ];
    const headerExtensions = [new werift.RTCRtpHeaderExtensionParameters({ id: 4, uri: werift.RTP_EXTENSION_URI.sdesMid })];
    (sender as unknown as { prepareSend(params: object): void }).prepareSend({ codecs, headerExtensions, muxId: "probe-mid", rtcp: { cname: "probe-cname", ssrc: sender.ssrc, mux: true } });
    const got = negotiatedSenderOf(sender);
    problems.push(...got.problems);
    const s = got.sender;
    if (s) {
      const want = { payloadType: 96, rtxPayloadType: 97, mid: "probe-mid", cname: "probe-cname", ssrc: sender.ssrc, rtxSsrc: sender.rtxSsrc };
      for (const [name, value] of Object.entries(want)) {
        if (s[name as keyof typeof s] !== value) problems.push(`after RTCRtpSender.prepareSend, ${name} reads ${String(s[name as keyof typeof s])}, not ${String(value)}`);
      }
      if (s.headerExtensions.length !== 1 || s.headerExtensions[0]!.id !== 4) problems.push("after RTCRtpSender.prepareSend, headerExtensions are not the negotiated ones");
    }
  } catch (error) {
    problems.push(`negotiating an RTCRtpSender with prepareSend failed: ${(error as Error).message}`);
  }
  try {
    const gatherer = new werift.RTCIceGatherer({ useIpv4: false, useIpv6: false });
    const ice = new werift.RTCIceTransport(gatherer);
    const transport = new werift.RTCDtlsTransport({} as never, ice, undefined, []) as unknown as { transportSequenceNumber?: unknown; iceTransport?: { connection?: Record<string, unknown> } };
    if (typeof transport.transportSequenceNumber !== "number") problems.push("RTCDtlsTransport.transportSequenceNumber is not a number");
    const agent = transport.iceTransport?.connection;
    if (!agent || agent !== (gatherer.connection as unknown)) problems.push("RTCDtlsTransport.iceTransport.connection is not the gatherer's ICE agent");
    else {
      if (!("nominated" in agent)) problems.push("Connection has no nominated field");
      const protocol = new werift.StunProtocol();
      const socket = { adopt: () => ({ send: () => undefined, close: () => undefined }) };
      (protocol as unknown as { transport: unknown }).transport = socket;
      const pair = new werift.CandidatePair(protocol, werift.Candidate.fromSdp("candidate:1 1 udp 2130706431 192.0.2.7 40000 typ host"), true);
      agent.nominated = pair; // a throwaway agent: the same slot a connected agent fills
      const path = nominatedPathOf(transport);
      problems.push(...path.problems);
      if (path.path && (path.path.remote[0] !== "192.0.2.7" || path.path.remote[1] !== 40000)) problems.push("CandidatePair.remoteAddr is not [host, port] of its remote candidate");
      if (path.path && path.path.socket !== (socket as unknown)) problems.push("CandidatePair.protocol.transport is not the protocol's transport");
    }
  } catch (error) {
    problems.push(`building an RTCDtlsTransport over an ICE transport failed: ${(error as Error).message}`);
  }
  return problems;
}

interface SessionView {
  encrypt(...args: unknown[]): Buffer;
  decrypt(data: Buffer): Buffer;
}

/** Same keys, same bytes: werift's sessions against the node's protectors for one profile. */
function crossCheck(keys: SrtpKeys, werift: Werift, label: string): string[] {
  const problems: string[] = [];
  const config = { profile: keys.profile as never, keys: { localMasterKey: keys.localMasterKey, localMasterSalt: keys.localMasterSalt, remoteMasterKey: keys.remoteMasterKey, remoteMasterSalt: keys.remoteMasterSalt } };
  const peerConfig = { profile: keys.profile as never, keys: { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt } };
  const local = { profile: keys.profile, masterKey: keys.localMasterKey, masterSalt: keys.localMasterSalt };
  const remote = { profile: keys.profile, masterKey: keys.remoteMasterKey, masterSalt: keys.remoteMasterSalt };
  const header = new werift.RtpHeader({ payloadType: 96, sequenceNumber: 4242, timestamp: 99, ssrc: 0x5eed, extensions: [{ id: 1, payload: Buffer.from("m") }] });
  const payload = randomBytes(123);
  const ours = createSrtpProtector(local).protect(header, payload);
  const theirs = (new werift.SrtpSession(config) as unknown as SessionView).encrypt(payload, header);
  if (!ours?.equals(theirs)) problems.push(`${label}: SrtpSession.encrypt and the node's SRTP protector disagree on the same keys`);
  const rtcp = new werift.RtcpSrPacket({ ssrc: 0x5eed, senderInfo: new werift.RtcpSenderInfo({ ntpTimestamp: 1n, rtpTimestamp: 2, packetCount: 3, octetCount: 4 }) }).serialize();
  const srtcp = createSrtcpProtector(local, remote);
  const weriftSrtcp = new werift.SrtcpSession(config) as unknown as SessionView;
  if (!srtcp.protect(rtcp).equals(weriftSrtcp.encrypt(rtcp))) problems.push(`${label}: SrtcpSession.encrypt and the node's SRTCP protector disagree on the same keys`);
  try {
    const fromPeer = (new werift.SrtcpSession(peerConfig) as unknown as SessionView).encrypt(rtcp);
    if (!srtcp.unprotect(fromPeer).equals(rtcp)) problems.push(`${label}: SRTCP werift sealed as the peer opens to other bytes`);
  } catch (error) {
    problems.push(`${label}: SRTCP werift sealed as the peer does not open (${(error as Error).message})`);
  }
  return problems;
}

export async function srtpKeyProblems(ctx: SeamContext): Promise<string[]> {
  const { werift } = ctx;
  const problems: string[] = [];
  try {
    const probe = await ctx.probe();
    // werift's own key derivation after a handshake, on a transport over the probe's client
    const transport = new werift.RTCDtlsTransport({} as never, {} as never, undefined, [...PROFILES]) as unknown as { dtls: unknown; updateSrtpSession(): void };
    transport.dtls = probe.client;
    transport.updateSrtpSession();
    const got = srtpKeysOf(transport);
    problems.push(...got.problems);
    if (got.keys) {
      const exported = (probe.client as { extractSessionKeys(k: number, s: number): { localKey: Buffer; remoteKey: Buffer } }).extractSessionKeys(16, got.keys.localMasterSalt.length);
      if (!got.keys.localMasterKey.equals(exported.localKey) || !got.keys.remoteMasterKey.equals(exported.remoteKey)) {
        problems.push("RTCDtlsTransport.srtp.config.keys: local/remote are not the DTLS client's sending/receiving keys");
      }
      problems.push(...crossCheck(got.keys, werift, "negotiated profile"));
    }
  } catch (error) {
    problems.push(`werift's SRTP key derivation could not be run: ${(error as Error).message}`);
  }
  for (const profile of PROFILES) {
    try {
      const length = (n: number | undefined) => randomBytes(n ?? 0);
      const keys: SrtpKeys = {
        profile,
        localMasterKey: length(werift.keyLength(profile)),
        localMasterSalt: length(werift.saltLength(profile)),
        remoteMasterKey: length(werift.keyLength(profile)),
        remoteMasterSalt: length(werift.saltLength(profile)),
      };
      problems.push(...crossCheck(keys, werift, `profile 0x000${profile}`));
    } catch (error) {
      problems.push(`profile 0x000${profile}: the SRTP cross-check threw: ${(error as Error).message}`);
    }
  }
  return problems;
}

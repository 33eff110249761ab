/**
 * ViewerLink over real loopback UDP: a node-side peer from the session factory (shared ICE
 * port) and a werift viewer connect; the werift boundary hands the connection over as plain
 * data, the link takes it and werift's peer is closed. Then, with only the link's own crypto:
 * RTP and a sender report it protects are decrypted by the werift viewer, consent checks are
 * answered with a valid MESSAGE-INTEGRITY and the sender's address, a check with a wrong
 * password is counted and not answered, the viewer's RTCP reaches the link decrypted and parsed
 * (a truncated compound counted), a STUN nomination moves where media goes, a forged DTLS alert
 * is counted while the viewer's own sealed close_notify ends the link, and close() ends with
 * an encrypted close_notify there (that werift and Chromium viewers act on it is covered by
 * test/integration/shutdown.test.ts and the browser tests).
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { GenericNack, Message, PictureLossIndication, RTCPeerConnection, RtcpPayloadSpecificFeedback, RtcpSenderInfo, RtcpSrPacket, RtcpTransportLayerFeedback, parseMessage, type RtcpPacket, type RtpPacket } from "werift";
import { createSrtcpProtector } from "../fanout/srtp/srtcp.js";
import { startIceEndpoint } from "../ice/endpoint.js";
import { handOffViewer } from "../werift/index.js";
import { closeNotifyRecord } from "./dtlsRecord.js";
import { answerWithCandidates, applyRemoteOffer } from "./negotiate.js";
import { peerFactoryFromIce } from "./peerFactory.js";
import { ViewerLink } from "./viewerLink.js";
import { poll } from "../../test/support/poll.js";

/** State here is in-process: look often. */
const FAST = { intervalMs: 10 };

function bindLoopback(): Promise<Socket> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve(socket)));
}

/** An ICE attribute of a session description (what both ends signalled). */
const sdpValue = (sdp: string, name: string) => new RegExp(`a=${name}:(\\S+)`).exec(sdp)![1]!;
const senderReport = (ssrc: number) => new RtcpSrPacket({ ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 1n, rtpTimestamp: 2, packetCount: 3, octetCount: 4 }) });

test("a linked viewer: media and reports decrypted by werift, consent answered, RTCP read, nominations followed, close_notify at the end", { timeout: 30_000 }, async (t) => {
  const ice = await startIceEndpoint({ host: "127.0.0.1", port: 0, additionalHosts: ["127.0.0.1"], ipsFromInterfaces: false, iceServers: [], mdnsMode: "off" });
  const peers = peerFactoryFromIce(ice);
  t.after(() => peers.close());
  const viewer = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  t.after(() => viewer.close());
  const node = peers.createPeerConnection({});
  viewer.addTransceiver("video", { direction: "recvonly" });
  await viewer.setLocalDescription(await viewer.createOffer());
  await poll(() => viewer.iceGatheringState, (s) => s === "complete", 5000, "viewer gathering", FAST);
  await applyRemoteOffer(node, peers, viewer.localDescription!.sdp);
  for (const transceiver of node.getTransceivers()) transceiver.setDirection("sendonly");
  await viewer.setRemoteDescription({ type: "answer", sdp: await answerWithCandidates(node) });
  await poll(() => [node.connectionState, viewer.connectionState], (s) => s.every((x) => x === "connected"), 5000, "both connected", FAST);

  const sender = node.getTransceivers()[0]!.sender;
  const handoff = handOffViewer(node, [sender]);
  assert.equal(handoff.connections.length, 1, "one BUNDLE transport");
  const connection = handoff.connections[0]!;
  assert.equal(connection.iceLocalPassword, sdpValue(node.localDescription!.sdp, "ice-pwd"), "the password the node signalled");
  assert.deepEqual(handoff.senders[0], { connection: 0, sender: handoff.senders[0]!.sender });
  assert.equal(handoff.senders[0]!.sender.ssrc, sender.ssrc);
  const localUfrag = sdpValue(node.localDescription!.sdp, "ice-ufrag");
  const remoteUfrag = sdpValue(viewer.localDescription!.sdp, "ice-ufrag");
  const link = new ViewerLink(connection);
  const rtcp: RtcpPacket[] = [];
  const malformed: string[] = [];
  let closedBy: string | undefined;
  link.listen({ onRtcp: (p) => rtcp.push(p), onClosed: (r) => (closedBy = r), onMalformed: (kind, reason) => malformed.push(`${kind}:${reason}`) });
  await node.close();
  // Measured, not guarded: the adopted transport must still be there a while after werift's close.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ice.stats().sessions, 1, "werift's close left the adopted transport on the shared port");

  // RTP and an SR protected by the link's own SRTP/SRTCP: the werift viewer decrypts both
  const viewerTransport = viewer.getTransceivers()[0]!.receiver.dtlsTransport;
  const rtpAtViewer: RtpPacket[] = [];
  const srAtViewer: RtcpSrPacket[] = [];
  viewerTransport.onRtp.subscribe((p) => rtpAtViewer.push(p));
  viewerTransport.onRtcp.subscribe((p) => p instanceof RtcpSrPacket && srAtViewer.push(p));
  const payload = randomBytes(300);
  const header = { payloadType: 96, sequenceNumber: 7, timestamp: 1234, ssrc: sender.ssrc, marker: true, padding: false, csrc: [], extensions: [] };
  link.sendRtp(header, payload);
  link.sendRtcp([senderReport(sender.ssrc)]);
  await poll(() => [rtpAtViewer.length, srAtViewer.length], ([r, s]) => r >= 1 && s >= 1, 5000, "the RTP and SR at the viewer", FAST);
  assert.ok(rtpAtViewer[0]!.payload.equals(payload), "the viewer decrypted the link's SRTP");
  assert.equal(rtpAtViewer[0]!.header.sequenceNumber, 7);
  assert.equal(srAtViewer[0]!.ssrc, sender.ssrc, "the viewer decrypted the link's SRTCP");

  // ICE consent from a (second) address of the viewer: answered with integrity and its address
  const probe = await bindLoopback();
  t.after(() => probe.close());
  const replies: Buffer[] = [];
  probe.on("message", (data) => replies.push(data));
  const check = (password: string, nominate: boolean): Buffer => {
    const request = new Message(1, 0).setAttribute("USERNAME", `${localUfrag}:${remoteUfrag}`).setAttribute("PRIORITY", 12345).setAttribute("ICE-CONTROLLING", 1n);
    if (nominate) request.setAttribute("USE-CANDIDATE", null);
    return request.addMessageIntegrity(Buffer.from(password, "utf8")).addFingerprint().bytes;
  };
  const localPassword = connection.iceLocalPassword;
  probe.send(check("not-the-password-at-all", false), ice.port, "127.0.0.1");
  await poll(() => malformed, (m) => m.includes("stun:bad_integrity"), 5000, "the forged check to be counted", FAST);
  assert.equal(replies.length, 0, "a check with the wrong password gets no answer");
  probe.send(check(localPassword, false), ice.port, "127.0.0.1");
  await poll(() => replies.length, (n) => n === 1, 5000, "an answer", FAST);
  const answer = parseMessage(replies[0]!, Buffer.from(localPassword, "utf8"));
  assert.ok(answer, "the answer parses and its MESSAGE-INTEGRITY verifies with the node's password");
  assert.equal(answer.messageClass, 256, "a success response");
  assert.deepEqual(answer.getAttributeValue("XOR-MAPPED-ADDRESS"), ["127.0.0.1", probe.address().port]);

  // RTCP the viewer sends through its own (werift) stack arrives decrypted and parsed
  const [receiver] = viewer.getReceivers();
  await receiver!.sendRtcpPLI(0x1234abcd);
  await poll(() => rtcp.some((p) => p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof PictureLossIndication), Boolean, 5000, "the PLI", FAST);
  const pli = rtcp.find((p) => p instanceof RtcpPayloadSpecificFeedback) as RtcpPayloadSpecificFeedback;
  assert.equal((pli.feedback as PictureLossIndication).mediaSsrc, 0x1234abcd);

  // a compound whose second packet runs past the datagram, sealed as the viewer would: the NACK
  // before it is read within its own length, the rest is counted as truncated
  const asViewer = createSrtcpProtector(
    { profile: connection.srtp.profile, masterKey: connection.srtp.remoteMasterKey, masterSalt: connection.srtp.remoteMasterSalt },
    { profile: connection.srtp.profile, masterKey: connection.srtp.localMasterKey, masterSalt: connection.srtp.localMasterSalt },
  );
  const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 5, mediaSourceSsrc: sender.ssrc, lost: [42] }) }).serialize();
  const cut = senderReport(5).serialize().subarray(0, 12);
  probe.send(asViewer.protect(Buffer.concat([nack, cut])), ice.port, "127.0.0.1");
  await poll(() => malformed, (m) => m.includes("rtcp:truncated"), 5000, "the truncated compound to be counted", FAST);
  const nacks = rtcp.filter((p) => p instanceof RtcpTransportLayerFeedback);
  assert.deepEqual(nacks.map((p) => (p.feedback as GenericNack).lost), [[42]], "the NACK before it, read within its own length");

  // a nomination from the probe's address moves media there
  probe.send(check(localPassword, true), ice.port, "127.0.0.1");
  await poll(() => replies.length, (n) => n === 2, 5000, "a second answer", FAST);
  link.sendRtp({ ...header, sequenceNumber: 8 }, payload);
  await poll(() => replies.length, (n) => n === 3, 5000, "media at the nominated address", FAST);
  assert.equal(replies[2]![0], 0x80, "the datagram sent after the nomination went to the probe");

  // alerts: a forged one is counted and ignored; the viewer's own sealed close_notify ends it
  probe.send(Buffer.from([21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 26, ...Buffer.alloc(26, 7)]), ice.port, "127.0.0.1");
  await poll(() => malformed, (m) => m.includes("dtls:alert_unauthenticated"), 5000, "the forged alert to be counted", FAST);
  assert.equal(closedBy, undefined, "a forged alert ends nothing");
  // the viewer's side of the association: what the node reads with, the viewer writes with
  const { dtls } = connection;
  const viewerRecords = { ...dtls, writeKey: dtls.readKey, writeIv: dtls.readIv, readKey: dtls.writeKey, readIv: dtls.writeIv, sequenceNumber: dtls.sequenceNumber + 100 };
  probe.send(closeNotifyRecord(viewerRecords), ice.port, "127.0.0.1");
  await poll(() => closedBy, (c) => c !== undefined, 5000, "the viewer's close_notify", FAST);
  assert.equal(closedBy, "viewer-close-notify");

  // the end: an encrypted DTLS alert (close_notify) to where media goes, at epoch 1
  link.close();
  await poll(() => replies.length, (n) => n === 4, 5000, "the alert", FAST);
  const alert = replies[3]!;
  assert.equal(alert[0], 21, "DTLS record of content type alert");
  assert.equal(alert.readUInt16BE(3), 1, "sealed with the handshake's keys (epoch 1)");
  assert.ok(alert.length > 13 + 2, "encrypted (longer than a bare alert)");
  assert.equal(ice.stats().sessions, 0, "closing the link frees the shared port's entries");
});

/**
 * Fuzz targets against a REAL media-node process over loopback (test/support/mediaNode.ts):
 * WHIP and WHEP offers over HTTP, trickle PATCHes on a live session, datagrams on the one
 * ICE UDP port (from an address no session knows, and from one a session is checking), and
 * datagrams on an RTP ingest port. Each case says how the node answered; a 5xx other than
 * 503, or the process gone, is a failure. `counterProblems()` then checks that what the node
 * refused was counted: 400s in `mediafleet_malformed_input_total{kind="sdp"|"sdpfrag"}`,
 * stray datagrams in `mediafleet_ice_datagrams_dropped_total`, ingest datagrams either
 * counted malformed or received.
 *
 *   const fuzz = await startNodeFuzz();      t.after(() => fuzz.stop());
 *   for (const target of fuzz.targets) ...   // FuzzTarget, as targets.ts
 *   assert.deepEqual(await fuzz.counterProblems(), []);
 */
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import type fc from "fast-check";
import { freeUdpPort, startMediaNode, type StartedNode } from "../support/mediaNode.js";
import { poll } from "../support/poll.js";
import { OFFERS, PUBLISHER_OFFERS, VIEWER_OFFERS } from "./corpus.js";
import { rtcpArbitrary, rtpArbitrary, stunArbitrary, type BuiltDatagram } from "./datagramArbitraries.js";
import { fragmentArbitrary, offerArbitrary, type MutatedText } from "./sdpArbitraries.js";
import type { FuzzTarget, Outcome } from "./targets.js";
import { inspectDatagram } from "../../media-node/ice/stun.js";

const MALFORMED_SDP_CODES = new Set(["MALFORMED_SDP", "SDP_WITHOUT_MEDIA", "UNSUPPORTED_CODEC"]);
/** A WHEP offer whose only candidate is `port` on loopback, so the node's ICE checks go there. */
function offerAimedAt(port: number): string {
  return OFFERS.weriftViewer
    .split("\r\n")
    .filter((l) => !l.startsWith("a=candidate:") && l !== "a=end-of-candidates")
    .flatMap((l) => (l.startsWith("a=mid:") ? [l, `a=candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`] : [l]))
    .join("\r\n");
}

/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full (Linux, IPv4,
 * all processes), or undefined where /proc/net/snmp is not there. A node that is busy for a
 * moment loses datagrams there before it can count them: that is allowed for, nothing else.
 */
function kernelUdpReceiveDrops(): number | undefined {
  try {
    const [header, values] = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
    const value = Number(values!.trim().split(/\s+/)[header!.trim().split(/\s+/).indexOf("RcvbufErrors")]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface NodeFuzz {
  node: StartedNode;
  targets: FuzzTarget<unknown>[];
  /** Mismatches between what the node refused and what its metrics counted (empty: all counted). */
  counterProblems(): Promise<string[]>;
  /** Log lines at error level, or unhandled rejections: bugs even when the answer was right. */
  logProblems(): string[];
  stop(): Promise<void>;
}

export async function startNodeFuzz(): Promise<NodeFuzz> {
  const ingestPort = await freeUdpPort();
  const node = await startMediaNode({
    config: {
      webrtc: { sessionTimeout: "60s", maxSessions: 200 },
      paths: [{ name: "pub" }, { name: "cam", source: { rtp: { host: "127.0.0.1", port: ingestPort, codec: "VP8", payloadType: 96 } } }],
    },
  });
  const http = node.httpUrl;
  const baseline = {
    sdp: await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdp"')),
    sdpfrag: await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdpfrag"')),
    rtp: await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="rtp"')),
    received: await node.metric("mediafleet_rtp_packets_received_total"),
  };
  const tally = { sdp: 0, sdpfrag: 0, ingest: 0 };
  const alive = () => node.child.process.exitCode === null && node.child.process.signalCode === null;
  const gone: Outcome = { verdict: "crash", detail: "the media node process exited" };

  async function answer(res: Response): Promise<Outcome> {
    const text = await res.text();
    if (res.status >= 500 && res.status !== 503) return { verdict: "5xx", detail: `${res.status} ${text.slice(0, 200)}` };
    if (res.status >= 400) {
      const code = res.headers.get("x-error-code") ?? "";
      if (MALFORMED_SDP_CODES.has(code)) tally.sdp++;
      if (code === "BAD_SDPFRAG") tally.sdpfrag++;
      return { verdict: "rejected", detail: `${res.status} ${code}` };
    }
    return { verdict: "ok" };
  }

  async function post(path: string, body: string): Promise<Outcome> {
    if (!alive()) return gone;
    let res: Response;
    try {
      res = await fetch(`${http}${path}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body });
    } catch (error) {
      return alive() ? { verdict: "crash", detail: `HTTP request failed: ${String(error)}` } : gone;
    }
    const outcome = await answer(res);
    const location = res.headers.get("location");
    if (res.status === 201 && location) {
      const deleted = await fetch(`${http}${location}`, { method: "DELETE" });
      const after = await answer(deleted);
      if (after.verdict === "5xx") return after;
    }
    return outcome;
  }

  // One long-lived WHEP session to PATCH; made again when it ends.
  let patchSession: { location: string; etag: string } | undefined;
  async function sessionToPatch() {
    if (patchSession) return patchSession;
    const res = await fetch(`${http}/cam/whep`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: OFFERS.weriftViewer });
    await res.text();
    if (res.status !== 201) throw new Error(`could not start a WHEP session to PATCH: ${res.status}`);
    patchSession = { location: res.headers.get("location")!, etag: res.headers.get("etag")! };
    return patchSession;
  }
  let patches = 0;
  async function patch(body: string): Promise<Outcome> {
    if (!alive()) return gone;
    // a session collects what it is trickled: start a fresh one now and then, as clients do
    if (++patches % 500 === 0 && patchSession) {
      await fetch(`${http}${patchSession.location}`, { method: "DELETE" }).then((r) => r.text());
      patchSession = undefined;
    }
    for (let attempt = 0; ; attempt++) {
      const session = await sessionToPatch();
      const res = await fetch(`${http}${session.location}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": session.etag },
        body,
      });
      if (res.status === 404 && attempt === 0) {
        await res.text();
        patchSession = undefined;
        continue;
      }
      return answer(res);
    }
  }

  // UDP: one socket no session knows, one that a session's ICE agent is checking.
  const open = async (): Promise<Socket> => {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    socket.on("error", () => undefined);
    return socket;
  };
  const stranger = await open();
  const known = await open();
  const clientUfrag = /a=ice-ufrag:(\S+)/.exec(OFFERS.weriftViewer)![1]!;
  let aimed: { location: string; nodeUfrag: string } | undefined;
  /** (Re)starts the session whose ICE agent checks `known`; its checks make that address known to the node. */
  async function aimSession(): Promise<{ location: string; nodeUfrag: string }> {
    if (aimed) await fetch(`${http}${aimed.location}`, { method: "DELETE" }).then((r) => r.text());
    const checked = new Promise<void>((resolve) => known.once("message", () => resolve()));
    const res = await fetch(`${http}/cam/whep`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: offerAimedAt(known.address().port) });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`could not start the WHEP session for the UDP fuzz: ${res.status} ${text}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([checked, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the node never sent an ICE check to the fuzz socket")), 10_000)))]);
    clearTimeout(timer);
    aimed = { location: res.headers.get("location")!, nodeUfrag: /a=ice-ufrag:(\S+)/.exec(text)![1]! };
    return aimed;
  }
  await aimSession();
  /** The checked peer's STUN carries this in place of the live session's ufrag (both 4 characters, as werift makes them). */
  const NODE_UFRAG = "NODE";
  const withSessionUfrag = (bytes: Buffer) => {
    const ufrag = Buffer.from(aimed!.nodeUfrag);
    if (ufrag.length !== NODE_UFRAG.length) return bytes;
    for (let i = bytes.indexOf(NODE_UFRAG); i >= 0; i = bytes.indexOf(NODE_UFRAG, i + 1)) ufrag.copy(bytes, i);
    return bytes;
  };

  /** Drop reasons decided from the bytes alone, before any session is looked up: counted exactly. */
  const expectedDrops = new Map<string, number>();
  const expectDrop = (bytes: Buffer, fromStranger: boolean) => {
    const kind = inspectDatagram(bytes);
    const reason =
      kind.kind === "invalid" ? kind.reason
      : kind.kind === "stun" && kind.stunClass === "request" && kind.localUfrag === undefined ? "stunWithoutUsername"
      : !fromStranger ? undefined
      : kind.kind === "stun" && kind.stunClass === "request" ? "unknownUfrag"
      : "unknownAddress";
    if (reason) expectedDrops.set(reason, (expectedDrops.get(reason) ?? 0) + 1);
  };
  const send = (socket: Socket, port: number, bytes: Buffer) =>
    new Promise<void>((resolve) => socket.send(bytes, port, "127.0.0.1", () => resolve()));
  let sends = 0;
  /** Loopback UDP loses nothing while the node keeps up: pause now and then so no datagram is dropped unread. */
  const pace = async () => {
    if (++sends % 64 === 0) await new Promise((r) => setTimeout(r, 5));
  };
  let knownSends = 0;
  const toKnownPeer = async (input: Buffer) => {
    // the session gives up on ICE after a while (nobody answers its checks): aim a fresh one now and then
    if (++knownSends % 400 === 0) await aimSession();
    const bytes = withSessionUfrag(Buffer.from(input));
    expectDrop(bytes, false);
    await send(known, node.udpPort, bytes);
  };
  const datagramTarget = (name: string, arbitrary: fc.Arbitrary<BuiltDatagram>, deliver: (bytes: Buffer) => Promise<void>): FuzzTarget<unknown> => ({
    name,
    arbitrary,
    unitRuns: 1500,
    async run(input) {
      if (!alive()) return gone;
      await deliver((input as BuiltDatagram).bytes);
      await pace();
      return { verdict: "ok" };
    },
  });

  const targets: FuzzTarget<unknown>[] = [
    { name: "node: POST /whip", arbitrary: offerArbitrary(PUBLISHER_OFFERS), unitRuns: 150, run: (x) => post("/pub/whip", (x as MutatedText).text) },
    { name: "node: POST /whep", arbitrary: offerArbitrary(VIEWER_OFFERS), unitRuns: 150, run: (x) => post("/cam/whep", (x as MutatedText).text) },
    { name: "node: PATCH sdpfrag", arbitrary: fragmentArbitrary, unitRuns: 300, run: (x) => patch((x as MutatedText).text) },
    datagramTarget("node: UDP ICE port, unknown sender", stunArbitrary(["abcd", "efgh"]), async (bytes) => {
      expectDrop(bytes, true);
      await send(stranger, node.udpPort, bytes);
    }),
    datagramTarget("node: UDP ICE port, checked peer", stunArbitrary([NODE_UFRAG, clientUfrag]), toKnownPeer),
    datagramTarget("node: UDP ICE port, checked peer RTP", rtpArbitrary, toKnownPeer),
    datagramTarget("node: UDP ICE port, checked peer RTCP", rtcpArbitrary, toKnownPeer),
    datagramTarget("node: RTP ingest port", rtpArbitrary, async (bytes) => {
      tally.ingest++;
      await send(stranger, ingestPort, bytes);
    }),
    datagramTarget("node: RTP ingest port, RTCP", rtcpArbitrary, async (bytes) => {
      tally.ingest++;
      await send(stranger, ingestPort, bytes);
    }),
  ];

  const kernelDropsBaseline = kernelUdpReceiveDrops();
  const dropped = (reason: string) => node.metric("mediafleet_ice_datagrams_dropped_total", (l) => l.includes(`reason="${reason}"`));
  const droppedBaseline = new Map<string, number>();
  for (const reason of ["garbage", "truncatedStun", "malformedStun", "stunWithoutUsername", "unknownUfrag", "unknownAddress"]) {
    droppedBaseline.set(reason, await dropped(reason));
  }

  return {
    node,
    targets,
    async counterProblems() {
      const problems: string[] = [];
      const expect = async (what: string, read: () => Promise<number>, want: number) => {
        const got = await poll(read, (n) => n >= want, 10_000, what).catch(() => read());
        if (got !== want) problems.push(`${what}: counted ${got}, expected ${want}`);
      };
      await expect(
        'malformed_input{kind="sdp"} increase',
        async () => (await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdp"'))) - baseline.sdp,
        tally.sdp,
      );
      await expect(
        'malformed_input{kind="sdpfrag"} increase',
        async () => (await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="sdpfrag"'))) - baseline.sdpfrag,
        tally.sdpfrag,
      );
      // loopback UDP loses only what the kernel says it dropped; each datagram lost there may be missing from one count below
      let lossBudget = (kernelUdpReceiveDrops() ?? kernelDropsBaseline ?? 0) - (kernelDropsBaseline ?? 0);
      const countedAll = async (what: string, read: () => Promise<number>, want: number) => {
        const got = await poll(read, (n) => n >= want, 10_000, what).catch(() => read());
        if (got > want || want - got > lossBudget) problems.push(`${what}: counted ${got}, expected ${want} (kernel dropped ${lossBudget} datagrams)`);
        else lossBudget -= want - got;
      };
      await countedAll(
        'ingest datagrams: malformed_input{kind="rtp"} + rtp_packets_received increase',
        async () =>
          (await node.metric("mediafleet_malformed_input_total", (l) => l.includes('kind="rtp"'))) - baseline.rtp +
          (await node.metric("mediafleet_rtp_packets_received_total")) - baseline.received,
        tally.ingest,
      );
      // a drop decided from the bytes is counted exactly; the unknown sender's others at least once each
      // (the checked peer's may also be dropped when its session has just ended)
      for (const [reason, before] of droppedBaseline) {
        const expected = expectedDrops.get(reason) ?? 0;
        const read = async () => (await dropped(reason)) - before;
        if (["unknownUfrag", "unknownAddress"].includes(reason)) {
          const got = await read();
          if (got + lossBudget < expected) problems.push(`ice_datagrams_dropped{reason="${reason}"} increase ${got}, expected at least ${expected}`);
        } else {
          await countedAll(`ice_datagrams_dropped{reason="${reason}"} increase`, read, expected);
        }
      }
      return problems;
    },
    logProblems() {
      return node.child.lines.filter((l) => /"level":(50|60)/.test(l) || l.includes("unhandled rejection")).slice(0, 20);
    },
    async stop() {
      if (aimed) await fetch(`${http}${aimed.location}`, { method: "DELETE" }).then((r) => r.text(), () => undefined);
      stranger.close();
      known.close();
      await node.stop();
    },
  };
}

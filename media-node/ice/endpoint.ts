/**
 * The ICE endpoint of a media node: ONE UDP port (default 8118) for the ICE, DTLS and SRTP of
 * every session, and the mDNS policy for `.local` candidates.
 *
 *   const ice = await startIceEndpoint({ host: "0.0.0.0", port: 8118, additionalHosts: ["203.0.113.7"],
 *                                        ipsFromInterfaces: false, iceServers: [], mdnsMode: "off", events });
 *   const pc = ice.createPeerConnection();                       // a werift RTCPeerConnection
 *   const { sdp } = ice.prepareRemoteSdp(offerSdp);              // before setRemoteDescription
 *   await pc.setRemoteDescription({ type: "offer", sdp });
 *   if (ice.acceptRemoteCandidate(line)) await pc.addIceCandidate({ candidate: line, sdpMLineIndex: 0 });
 *   ice.stats();  // { sessions, demuxEntries, mdnsSockets, counters }
 *   await ice.close();
 *
 * Every host candidate the endpoint's peer connections advertise is `<advertised host>:<port>`
 * of the shared socket (types.ts documents which peer-connection options the endpoint owns).
 * Peer connections created any other way keep werift's behaviour, socket per connection.
 * `startIceEndpoint` refuses to start (WeriftSeamError) when the installed werift no longer has
 * the shape media-node/werift/ice.ts hooks, and proves the whole path with one real gather on the socket.
 */
import { networkInterfaces } from "node:os";
import { isIP } from "node:net";
import { RTCPeerConnection, type RTCPeerConnectionConfig } from "werift";
import { CandidateGate, actionFor } from "./candidateGate.js";
import { IceEvents, selectedPathFor } from "./events.js";
import { SharedMdnsResolver } from "./mdns.js";
import { acceptCandidateLine, candidateAddress, prepareRemoteSdp } from "./sdpCandidates.js";
import type { IceEndpoint, IceEndpointOptions, IceEndpointStats, PrepareRemoteSdpResult } from "./types.js";
import { UdpMux } from "./udpMux.js";
import { ICE_SEAM, WeriftSeamError, installIceSeam, policyMarker, type AgentPolicy, type IceAgentView, type RemoteCandidate } from "../werift/index.js";

export type { IceEndpoint, IceEndpointOptions, IceEventSink, MdnsMode, DropReason, CandidatePath, IceEndpointStats } from "./types.js";
export { WeriftSeamError } from "../werift/index.js";

export const DEFAULT_ICE_UDP_PORT = 8118;
const SELF_TEST_TIMEOUT_MS = 5000;

export async function startIceEndpoint(opts: IceEndpointOptions): Promise<IceEndpoint> {
  validateOptions(opts);
  installIceSeam();
  const hosts = advertisedHosts(opts, isIP(opts.host) === 6 ? 6 : 4);
  const events = new IceEvents(opts.events);
  const mux = await UdpMux.open(opts.host, opts.port, (reason) => events.datagramDropped(reason));
  let endpoint: MuxedIceEndpoint | undefined;
  try {
    endpoint = new MuxedIceEndpoint(opts, mux, events, hosts);
    await selfTest(endpoint);
    return endpoint;
  } catch (err) {
    if (endpoint) await endpoint.close();
    else await mux.close();
    throw err;
  }
}

class MuxedIceEndpoint implements IceEndpoint {
  private readonly resolver: SharedMdnsResolver | undefined;
  private readonly gates = new WeakMap<IceAgentView, CandidateGate>();
  private readonly watched = new WeakSet<IceAgentView>();
  private readonly policy: AgentPolicy;
  private closed = false;

  constructor(
    private readonly opts: IceEndpointOptions,
    private readonly mux: UdpMux,
    private readonly events: IceEvents,
    readonly advertisedHosts: readonly string[],
  ) {
    this.resolver =
      opts.mdnsMode === "shared"
        ? new SharedMdnsResolver({
            timeoutMs: opts.mdnsTimeoutMs ?? 3000,
            cacheMs: opts.mdnsCacheMs ?? 120_000,
            onQuery: () => events.mdnsQuery("shared"),
          })
        : undefined;
    this.policy = {
      attachTransport: (agent, useIpv4) => this.attachTransport(agent, useIpv4),
      addRemoteCandidate: (agent, candidate, forward) => this.addRemoteCandidate(agent, candidate, forward),
    };
  }

  get port(): number {
    return this.mux.port;
  }

  createPeerConnection(config: RTCPeerConnectionConfig = {}): RTCPeerConnection {
    if (this.closed) throw new Error("ice: endpoint is closed");
    return new RTCPeerConnection({
      ...config,
      iceServers: config.iceServers ?? this.opts.iceServers,
      iceAdditionalHostAddresses: [...this.advertisedHosts],
      // host addresses come only from the endpoint: werift's interface scan is switched off
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceUseTcp: false,
      icePortRange: undefined,
      iceInterfaceAddresses: undefined,
      iceFilterStunResponse: policyMarker(this.policy, config.iceFilterStunResponse),
    });
  }

  prepareRemoteSdp(sdp: string): PrepareRemoteSdpResult {
    const result = prepareRemoteSdp(sdp, this.opts.mdnsMode);
    for (let i = 0; i < result.droppedMdnsCandidates; i++) this.events.candidatePath("mdnsIgnored");
    if (result.withheldEndOfCandidates) this.events.candidatePath("endOfCandidatesWithheld");
    return result;
  }

  acceptRemoteCandidate(candidateLine: string): boolean {
    const accepted = acceptCandidateLine(candidateLine, this.opts.mdnsMode);
    if (!accepted) this.events.candidatePath("mdnsIgnored");
    return accepted;
  }

  stats(): IceEndpointStats {
    return { ...this.mux.stats(), mdnsSockets: this.resolver?.socketsOpen ?? 0, counters: this.events.snapshot() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.mux.close(), this.resolver?.close()]);
  }

  private attachTransport(agent: IceAgentView, useIpv4: boolean) {
    if ((useIpv4 ? 4 : 6) !== this.mux.family) throw new Error(`ice: no IPv${useIpv4 ? 4 : 6} host candidate on a udp${this.mux.family} socket`);
    if (!this.watched.has(agent)) {
      this.watched.add(agent);
      agent.onConnected((remoteCandidateType) => {
        const path = selectedPathFor(remoteCandidateType);
        if (path) this.events.candidatePath(path);
      });
    }
    return this.mux.attach(agent, { localUfrag: () => agent.localUfrag(), remoteUfrag: () => agent.remoteUfrag() });
  }

  private async addRemoteCandidate(agent: IceAgentView, candidate: RemoteCandidate | undefined, forward: (host?: string) => Promise<string>): Promise<void> {
    let gate = this.gates.get(agent);
    if (!gate) this.gates.set(agent, (gate = new CandidateGate()));
    // everything up to the first await runs in werift's call order (werift does not await us)
    if (!candidate) return this.settleEnd(gate.endOfCandidates(), agent);
    const action = actionFor(candidate.host, this.opts.mdnsMode);
    if (action === "ignore") return this.events.candidatePath("mdnsIgnored");
    if (action === "pass") {
      if (isIP(candidate.host) === this.mux.family) gate.candidateUsable();
      await forward();
      return;
    }
    gate.lookupStarted();
    let resolved = false;
    try {
      if (action === "resolveShared" && this.resolver) {
        const host = await this.resolver.resolve(candidate.host);
        resolved = true;
        this.events.candidatePath("mdnsResolved");
        await forward(host);
      } else {
        // perConnection: werift resolves with its own multicast socket (and rewrites its candidate's host)
        this.events.mdnsQuery("perConnection");
        resolved = isIP(await forward()) !== 0;
        this.events.candidatePath(resolved ? "mdnsResolved" : "mdnsUnresolved");
      }
    } catch {
      if (!resolved) this.events.candidatePath("mdnsUnresolved");
    } finally {
      const decision = gate.lookupFinished(resolved);
      if (decision) await this.settleEnd(decision, agent);
    }
  }

  /** end-of-candidates reaches werift only once no lookup is running and something usable arrived. */
  private async settleEnd(decision: "pass" | "defer" | "withhold", agent: IceAgentView): Promise<void> {
    if (decision === "pass") return agent.endOfCandidates();
    if (decision === "withhold") this.events.candidatePath("endOfCandidatesWithheld");
  }
}

function validateOptions(opts: IceEndpointOptions): void {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`ice: port must be an integer 0-65535, got ${opts.port}`);
  if (isIP(opts.host) === 0) throw new Error(`ice: host must be an IP address to bind, got "${opts.host}"`);
  if (!["off", "shared", "perConnection"].includes(opts.mdnsMode)) throw new Error(`ice: mdnsMode must be off, shared or perConnection, got "${opts.mdnsMode}"`);
}

/** additionalHosts first, then (ipsFromInterfaces) the addresses the socket can receive on; same family as the socket. */
export function advertisedHosts(opts: Pick<IceEndpointOptions, "host" | "additionalHosts" | "ipsFromInterfaces">, family: 4 | 6): string[] {
  for (const host of opts.additionalHosts) {
    if (isIP(host) !== family) throw new Error(`ice: additionalHosts entry "${host}" is not an IPv${family} address (the shared socket binds ${opts.host})`);
  }
  const hosts = [...opts.additionalHosts];
  if (opts.ipsFromInterfaces) {
    const wildcard = opts.host === "0.0.0.0" || opts.host === "::";
    hosts.push(...(wildcard ? interfaceAddresses(family) : [opts.host]));
  }
  const unique = [...new Set(hosts)];
  if (unique.length === 0) {
    throw new Error(`ice: no host candidate to advertise: set webrtc.additionalHosts, or ipsFromInterfaces: true with a non-loopback interface`);
  }
  return unique;
}

function interfaceAddresses(family: 4 | 6): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && (family === 4 ? a.family === "IPv4" : a.family === "IPv6" && !a.address.startsWith("fe80:")))
    .map((a) => a.address);
}

/** One real gather through the endpoint: every host candidate must sit on the shared port, and closing must free the demux table. */
async function selfTest(endpoint: MuxedIceEndpoint): Promise<void> {
  const problems: string[] = [];
  const pc = endpoint.createPeerConnection({ iceServers: [] });
  try {
    pc.createDataChannel("ice-self-test");
    await pc.setLocalDescription(await pc.createOffer());
    const deadline = Date.now() + SELF_TEST_TIMEOUT_MS;
    while (pc.iceGatheringState !== "complete" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const sdp = pc.localDescription?.sdp ?? "";
    const ports = sdp
      .split(/\r?\n/)
      .filter((l) => l.startsWith("a=candidate:"))
      .map((l) => ({ address: candidateAddress(l), port: Number(l.split(/\s+/)[5]) }));
    if (ports.length === 0) problems.push("a gather through the endpoint produced no host candidate");
    for (const c of ports) {
      if (c.port !== endpoint.port) problems.push(`werift bound its own socket: candidate ${c.address}:${c.port} is not on the shared port ${endpoint.port}`);
    }
    if (endpoint.stats().sessions !== 1) problems.push(`the gathering agent did not attach to the shared socket (sessions=${endpoint.stats().sessions})`);
  } finally {
    await pc.close();
  }
  const after = endpoint.stats();
  if (after.sessions !== 0 || after.demuxEntries !== 0) problems.push(`closing a peer connection left ${after.sessions} sessions / ${after.demuxEntries} demux entries`);
  if (problems.length > 0) throw new WeriftSeamError([{ seam: ICE_SEAM, problems }]);
}

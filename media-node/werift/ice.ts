/**
 * ICE on the node's ONE shared UDP port (werift 0.25.2, the ESM bundle `lib/index.mjs` that
 * `import ... from "werift"` loads — the CommonJS copy under lib/*\/src has its own classes and
 * is not patched).
 *
 * What werift does per ICE agent (`Connection`), and the seam used:
 * - `getCandidatePromises` makes a `StunProtocol` per host address, calls
 *   `ensureProtocol(protocol)` and only then `protocol.connectionMade()`, which binds a fresh
 *   UDP socket (`UdpTransport.init`). Wrapped `ensureProtocol`: for our agents the protocol's
 *   own `connectionMade` (an instance field) is replaced by one that plugs a transport of the
 *   shared socket into `protocol.transport` and feeds `protocol.datagramReceived`.
 * - `applyStunTurnServersFromOptions` falls back to stun.l.google.com when no STUN server is
 *   configured (even with `iceServers: []`). Wrapped: our agents without a STUN url get none.
 * - `addRemoteCandidate` resolves `.local` names with a per-connection multicast socket.
 *   Wrapped: our agents go through the endpoint's mDNS policy first.
 *
 * Why a prototype wrap and not a per-instance patch: werift builds the agent inside
 * RTCPeerConnection (no factory to hook) and gathers in the same call chain that creates it,
 * so there is no moment to patch an instance before it binds its first socket. The wrap is
 * inert for every agent that is not the node's: RTCPeerConnection hands `iceFilterStunResponse`
 * through to `Connection.options.filterStunResponse`; the endpoint passes a marker function
 * there (it answers like the caller's own filter, or true), and only a marker maps to a policy.
 * Any other Connection in the process (test clients, a second library user) runs werift's code
 * untouched, and each endpoint's agents follow that endpoint's own policy (ice.test.ts).
 *
 * `installIceSeam()` first runs `iceSeamProblems` (the registry's "ice-shared-port" check) and
 * throws a WeriftSeamError naming what is missing; `ice/endpoint.ts` then proves the whole path
 * with a real gather on the socket.
 */
import * as installedWerift from "werift";
import type { PeerConfig } from "werift";
import type { Werift } from "./context.js";
import { refuseIfProblems } from "./errors.js";

export const ICE_SEAM = "ice-shared-port";

/**
 * What the endpoint sees of one werift ICE agent: its ufrags, one event, and the agent's own
 * end-of-candidates step; never the agent itself. One view per agent (a stable identity for
 * the endpoint's maps and the port's demultiplexing table).
 */
export interface IceAgentView {
  localUfrag(): string;
  remoteUfrag(): string;
  /** Once the agent connects: the type of the nominated pair's remote candidate ("host", "prflx", ...). */
  onConnected(listener: (remoteCandidateType: string) => void): void;
  /** Tell werift's agent that no more remote candidates come. */
  endOfCandidates(): Promise<void>;
}
/** A remote candidate as the mDNS policy needs it (a copy: werift's own stays with werift). */
export interface RemoteCandidate {
  host: string;
  type: string;
}
/** What a StunProtocol needs from its transport (the shape of werift's UdpTransport). */
export interface SeamTransport {
  onData: (data: Buffer, addr: [string, number]) => void;
}

export interface AgentPolicy {
  /** A transport on the shared socket for one host candidate of `agent` (throwing = no candidate for it). */
  attachTransport(agent: IceAgentView, useIpv4: boolean): SeamTransport;
  /**
   * The mDNS policy for one remote candidate (`undefined`: end-of-candidates). `forward(host?)`
   * hands it to werift's own addRemoteCandidate (with `host` in place of a `.local` name when
   * given) and resolves with the host werift ended up with (werift resolves `.local` itself
   * when not given one). Not forwarding drops it; `agent.endOfCandidates()` passes the end on
   * later (after a lookup).
   */
  addRemoteCandidate(agent: IceAgentView, candidate: RemoteCandidate | undefined, forward: (host?: string) => Promise<string>): Promise<void>;
}

type StunFilter = NonNullable<PeerConfig["iceFilterStunResponse"]>;
const policies = new WeakMap<object, AgentPolicy>();

/** The `iceFilterStunResponse` to give a peer connection whose agents follow `policy`. */
export function policyMarker(policy: AgentPolicy, callerFilter?: StunFilter): StunFilter {
  const marker: StunFilter = (message, addr, protocol) => (callerFilter ? callerFilter(message, addr, protocol) : true);
  policies.set(marker, policy);
  return marker;
}

interface AgentInternals {
  options?: { filterStunResponse?: unknown; stunServer?: unknown };
  stunServer?: unknown;
  localUsername: string;
  remoteUsername: string;
  nominated?: { remoteCandidate?: { type?: string } };
  stateChanged: { subscribe(listener: (state: string) => void): unknown };
}
interface CandidateInternals {
  host: string;
  type: string;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;
const views = new WeakMap<object, IceAgentView>();

/** The one view of `agent`; `addRemote` is werift's own addRemoteCandidate. */
function viewOf(agent: AgentInternals, addRemote: Method): IceAgentView {
  let view = views.get(agent);
  if (!view) {
    view = {
      localUfrag: () => agent.localUsername,
      remoteUfrag: () => agent.remoteUsername,
      onConnected: (listener) => {
        agent.stateChanged.subscribe((state) => {
          if (state === "connected") listener(agent.nominated?.remoteCandidate?.type ?? "");
        });
      },
      endOfCandidates: () => addRemote.call(agent, undefined) as Promise<void>,
    };
    views.set(agent, view);
  }
  return view;
}
function policyOf(agent: AgentInternals): AgentPolicy | undefined {
  const filter = agent.options?.filterStunResponse;
  return typeof filter === "function" ? policies.get(filter) : undefined;
}

const INSTALLED = Symbol.for("mediafleet.werift.iceSeam");

/** Check werift's shape, then wrap the three methods (once per process). Throws WeriftSeamError. */
export function installIceSeam(): void {
  const { Connection, StunProtocol } = installedWerift;
  const proto = Connection.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[INSTALLED]) return;
  refuseIfProblems(ICE_SEAM, iceSeamProblems(installedWerift));

  const originalEnsure = proto.ensureProtocol as Method;
  const originalAddRemote = proto.addRemoteCandidate as Method;
  proto.ensureProtocol = function (this: AgentInternals, protocol: unknown) {
    const result = originalEnsure.call(this, protocol);
    const policy = policyOf(this);
    // TURN and TCP protocols are other classes and keep their own sockets
    if (policy && protocol instanceof StunProtocol && protocol.constructor === StunProtocol) {
      const agent = viewOf(this, originalAddRemote);
      const stun = protocol as unknown as { transport: unknown; datagramReceived(d: Buffer, a: [string, number]): void };
      (protocol as unknown as { connectionMade: (useIpv4: boolean) => Promise<void> }).connectionMade = async (useIpv4) => {
        const transport = policy.attachTransport(agent, useIpv4);
        stun.transport = transport;
        transport.onData = (data, addr) => stun.datagramReceived(data, addr);
      };
    }
    return result;
  };

  const originalApplyServers = proto.applyStunTurnServersFromOptions as Method;
  proto.applyStunTurnServersFromOptions = function (this: AgentInternals) {
    const result = originalApplyServers.call(this);
    if (policyOf(this) && !this.options?.stunServer) this.stunServer = undefined;
    return result;
  };

  proto.addRemoteCandidate = function (this: AgentInternals, candidate: CandidateInternals | undefined) {
    const policy = policyOf(this);
    if (!policy) return originalAddRemote.call(this, candidate);
    const agent = viewOf(this, originalAddRemote);
    const forward = async (host?: string): Promise<string> => {
      if (!candidate) return agent.endOfCandidates().then(() => "");
      if (host !== undefined) candidate.host = host;
      await originalAddRemote.call(this, candidate);
      return candidate.host;
    };
    return policy.addRemoteCandidate(agent, candidate && { host: candidate.host, type: candidate.type }, forward);
  };

  proto[INSTALLED] = true;
}

/** Every assumption the seam makes, checked against `werift`; empty = all hold. */
export function iceSeamProblems(werift: Pick<Werift, "Connection" | "StunProtocol" | "RTCIceGatherer">): string[] {
  const { Connection, StunProtocol, RTCIceGatherer } = werift;
  const problems: string[] = [];
  const fn = (owner: unknown, name: string, where: string): string | undefined => {
    const value = (owner as Record<string, unknown> | undefined)?.[name];
    if (typeof value !== "function") {
      problems.push(`${where}.${name} is not a function`);
      return undefined;
    }
    return Function.prototype.toString.call(value);
  };
  if (typeof Connection !== "function") problems.push(`"werift" no longer exports Connection`);
  if (typeof StunProtocol !== "function") problems.push(`"werift" no longer exports StunProtocol`);
  if (typeof RTCIceGatherer !== "function") problems.push(`"werift" no longer exports RTCIceGatherer`);
  if (problems.length > 0) return problems;

  const proto = Connection.prototype;
  fn(proto, "ensureProtocol", "Connection.prototype");
  // the order of two calls inside one method cannot be observed without binding a socket: read it
  const gatherSource = fn(proto, "getCandidatePromises", "Connection.prototype");
  if (gatherSource !== undefined) {
    const ensureAt = gatherSource.indexOf("ensureProtocol(");
    const bindAt = gatherSource.indexOf("connectionMade(");
    if (ensureAt < 0 || bindAt < 0 || ensureAt > bindAt) {
      problems.push("Connection.prototype.getCandidatePromises no longer calls ensureProtocol(protocol) before protocol.connectionMade()");
    }
  }
  const applySource = fn(proto, "applyStunTurnServersFromOptions", "Connection.prototype");
  if (applySource !== undefined && !applySource.includes("stunServer")) {
    problems.push("Connection.prototype.applyStunTurnServersFromOptions no longer sets stunServer");
  }
  const addSource = fn(proto, "addRemoteCandidate", "Connection.prototype");
  if (addSource !== undefined && !addSource.includes(".local")) {
    problems.push("Connection.prototype.addRemoteCandidate no longer handles .local names itself");
  }
  fn(StunProtocol.prototype, "datagramReceived", "StunProtocol.prototype");

  const probeProtocol = new StunProtocol() as unknown as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(probeProtocol, "connectionMade") || typeof probeProtocol.connectionMade !== "function") {
    problems.push("StunProtocol instances no longer carry their own connectionMade function");
  }
  if (!("transport" in probeProtocol)) problems.push("StunProtocol instances no longer have a transport field");

  const probeFilter = () => true;
  try {
    const gatherer = new RTCIceGatherer({ filterStunResponse: probeFilter, useIpv4: false, useIpv6: false });
    const agent = gatherer.connection as unknown as Partial<AgentInternals>;
    if (agent.options?.filterStunResponse !== probeFilter) problems.push("Connection.options.filterStunResponse is no longer the gatherer's filterStunResponse");
    if (!("stunServer" in agent)) problems.push("Connection has no stunServer field");
    if (typeof agent.localUsername !== "string" || agent.localUsername.length === 0) problems.push("Connection.localUsername is not a string");
    if (typeof agent.remoteUsername !== "string") problems.push("Connection.remoteUsername is not a string");
    if (typeof agent.stateChanged?.subscribe !== "function") problems.push("Connection.stateChanged.subscribe is not a function");
  } catch (err) {
    problems.push(`constructing RTCIceGatherer failed: ${(err as Error).message}`);
  }
  return problems;
}

/**
 * The ONE place that touches werift internals (werift 0.25.2, the ESM bundle `lib/index.mjs`
 * that `import ... from "werift"` loads — the CommonJS copy under lib/*\/src has its own
 * classes and is not patched).
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
 * Which agents are "ours": RTCPeerConnection hands `iceFilterStunResponse` through to
 * `Connection.options.filterStunResponse`; the endpoint passes a marker function there (it
 * answers like the caller's own filter, or true), and the marker maps to the agent's policy.
 * Every other Connection in the process runs werift's code untouched.
 *
 * `installWeriftSeam()` first checks every assumption above and throws `WeriftSeamError`
 * naming what is missing; `endpoint.ts` then proves the whole path with a real gather.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Connection, RTCIceGatherer, StunProtocol, type PeerConfig } from "werift";

export const WERIFT_VERSION_WRITTEN_FOR = "0.25.2";

export class WeriftSeamError extends Error {
  readonly code = "ICE_WERIFT_SEAM";
  constructor(problems: string[]) {
    super(
      `media-node/ice cannot hook werift ${installedWeriftVersion()} (written for ${WERIFT_VERSION_WRITTEN_FOR}); ` +
        `the shared ICE port would silently fall back to a socket per connection, so refusing to start:\n - ${problems.join("\n - ")}`,
    );
    this.name = "WeriftSeamError";
  }
}

/** The parts of a werift ICE agent (`Connection`) the endpoint reads. */
export interface SeamAgent {
  readonly localUsername: string;
  readonly remoteUsername: string;
  readonly state: string;
  readonly nominated?: { remoteCandidate: { type: string } };
  readonly stateChanged: { subscribe(listener: (state: string) => void): unknown };
}
/** The parts of a werift remote `Candidate` the mDNS policy reads and rewrites. */
export interface SeamCandidate {
  host: string;
  type: string;
}
/** What a StunProtocol needs from its transport (the shape of werift's UdpTransport). */
export interface SeamTransport {
  onData: (data: Buffer, addr: [string, number]) => void;
}

export interface AgentPolicy {
  /** A transport on the shared socket for one host candidate of `agent` (throwing = no candidate for it). */
  attachTransport(agent: SeamAgent, useIpv4: boolean): SeamTransport;
  /** The mDNS policy; `forward` is werift's own addRemoteCandidate. `undefined` = end-of-candidates. */
  addRemoteCandidate(agent: SeamAgent, candidate: SeamCandidate | undefined, forward: (c: SeamCandidate | undefined) => Promise<void>): Promise<void>;
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
}
function policyOf(agent: AgentInternals): AgentPolicy | undefined {
  const filter = agent.options?.filterStunResponse;
  return typeof filter === "function" ? policies.get(filter) : undefined;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;
const INSTALLED = Symbol.for("mediafleet.ice.weriftSeam");

/** Check werift's shape, then wrap the three methods (once per process). Throws WeriftSeamError. */
export function installWeriftSeam(): void {
  const proto = Connection.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[INSTALLED]) return;
  const problems = weriftShapeProblems();
  if (problems.length > 0) throw new WeriftSeamError(problems);

  const originalEnsure = proto.ensureProtocol as Method;
  proto.ensureProtocol = function (this: AgentInternals & SeamAgent, protocol: unknown) {
    const result = originalEnsure.call(this, protocol);
    const policy = policyOf(this);
    // TURN and TCP protocols are other classes and keep their own sockets
    if (policy && protocol instanceof StunProtocol && protocol.constructor === StunProtocol) {
      const agent = this;
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

  const originalAddRemote = proto.addRemoteCandidate as Method;
  proto.addRemoteCandidate = function (this: AgentInternals & SeamAgent, candidate: SeamCandidate | undefined) {
    const policy = policyOf(this);
    const forward = (c: SeamCandidate | undefined) => originalAddRemote.call(this, c) as Promise<void>;
    return policy ? policy.addRemoteCandidate(this, candidate, forward) : forward(candidate);
  };

  proto[INSTALLED] = true;
}

/** Every assumption the seam makes, checked against the installed werift; empty = all hold. */
export function weriftShapeProblems(): string[] {
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
    const agent = gatherer.connection as unknown as AgentInternals & Partial<SeamAgent>;
    if (agent.options?.filterStunResponse !== probeFilter) problems.push("Connection.options.filterStunResponse is no longer the gatherer's filterStunResponse");
    if (!("stunServer" in agent)) problems.push("Connection has no stunServer field");
    if (typeof agent.localUsername !== "string" || agent.localUsername.length === 0) problems.push("Connection.localUsername is not a string");
    if (typeof agent.stateChanged?.subscribe !== "function") problems.push("Connection.stateChanged.subscribe is not a function");
  } catch (err) {
    problems.push(`constructing RTCIceGatherer failed: ${(err as Error).message}`);
  }
  return problems;
}

function installedWeriftVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve("werift");
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (pkg.name === "werift") return pkg.version ?? "?";
      } catch {
        // not this directory
      }
    }
  } catch {
    // fall through
  }
  return "(unknown version)";
}

/**
 * Counters of the ICE endpoint, kept locally (for `stats()`) and forwarded to the caller's
 * sink. A sink that throws is ignored: metrics must never break the packet path.
 */
import type { CandidatePath, DropReason, IceCounters, IceEventSink, MdnsMode } from "./types.js";

const DROP_REASONS: readonly DropReason[] = ["garbage", "truncatedStun", "malformedStun", "stunWithoutUsername", "unknownUfrag", "unknownAddress"];
const CANDIDATE_PATHS: readonly CandidatePath[] = [
  "mdnsIgnored",
  "mdnsResolved",
  "mdnsUnresolved",
  "endOfCandidatesWithheld",
  "selectedHost",
  "selectedServerReflexive",
  "selectedRelay",
  "selectedPeerReflexive",
];

export class IceEvents {
  private readonly counters: IceCounters = {
    dropped: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>,
    mdnsQueries: 0,
    candidatePaths: Object.fromEntries(CANDIDATE_PATHS.map((p) => [p, 0])) as Record<CandidatePath, number>,
  };

  constructor(private readonly sink: IceEventSink = {}) {}

  datagramDropped(reason: DropReason): void {
    this.counters.dropped[reason]++;
    safely(() => this.sink.datagramDropped?.(reason));
  }

  mdnsQuery(mode: Exclude<MdnsMode, "off">): void {
    this.counters.mdnsQueries++;
    safely(() => this.sink.mdnsQuery?.(mode));
  }

  candidatePath(path: CandidatePath): void {
    this.counters.candidatePaths[path]++;
    safely(() => this.sink.candidatePath?.(path));
  }

  /** A copy: callers may keep it. */
  snapshot(): IceCounters {
    return { dropped: { ...this.counters.dropped }, mdnsQueries: this.counters.mdnsQueries, candidatePaths: { ...this.counters.candidatePaths } };
  }
}

/** The path counter for the remote candidate type of a selected pair. */
export function selectedPathFor(candidateType: string): CandidatePath | undefined {
  switch (candidateType) {
    case "host":
      return "selectedHost";
    case "srflx":
      return "selectedServerReflexive";
    case "relay":
      return "selectedRelay";
    case "prflx":
      return "selectedPeerReflexive";
    default:
      return undefined;
  }
}

function safely(call: () => void): void {
  try {
    call();
  } catch {
    // a broken metrics listener is not the media path's problem
  }
}

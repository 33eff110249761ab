/**
 * The media node for the real-client tests: test/support's `startMediaNode` (loopback-only
 * defaults, a free ICE port, readiness) with the few knobs these tests turn.
 */
import { readdirSync, readFileSync } from "node:fs";
import { startMediaNode } from "../../support/mediaNode.js";
import { udpSocketsByPort } from "./sockets.js";

export interface NodeKnobs {
  nack?: "shared" | "perViewer" | "off";
  mdns?: "off" | "shared" | "perConnection";
  paths?: Array<Record<string, unknown>>;
  /** Merged into `webrtc` as written. */
  webrtc?: Record<string, unknown>;
}

export interface RunningNode {
  baseUrl: string;
  metricsUrl: string;
  udpPort: number;
  /** The node's own process (not the `npx tsx` launcher above it). */
  nodePid(): number;
  output(): string;
  stop(): Promise<void>;
}

export async function startNode(knobs: NodeKnobs = {}): Promise<RunningNode> {
  const node = await startMediaNode({
    config: {
      webrtc: {
        nack: { mode: knobs.nack ?? "shared", historyPackets: 512 },
        mdns: { mode: knobs.mdns ?? "off" },
        rtcpReportInterval: "1s",
        ...knobs.webrtc,
      },
      paths: knobs.paths ?? [{ name: "cam1" }],
    },
  });
  return {
    baseUrl: node.httpUrl,
    metricsUrl: node.metricsUrl,
    udpPort: node.udpPort,
    nodePid: () => holderOfUdpPort(node.pid, node.udpPort),
    output: () => [...node.child.lines, ...node.child.stderr].slice(-200).join("\n"),
    stop: async () => void (await node.stop()),
  };
}

/** The process in `root`'s tree that holds a socket on UDP `port` (the node's ICE port). */
function holderOfUdpPort(root: number, port: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) comes after the command name, which is in parentheses and may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) {
      if (p === root) return true;
    }
    return false;
  };
  for (const pid of parents.keys()) {
    if (inTree(pid) && (udpSocketsByPort(pid).get(port) ?? 0) > 0) return pid;
  }
  throw new Error(`no process under ${root} holds UDP port ${port}`);
}

/** UDP sockets a process holds, read from /proc (Linux): local port -> how many sockets. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export function udpSocketsByPort(pid: number): Map<number, number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  const ports = new Map<number, number>();
  for (const table of ["udp", "udp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      const port = parseInt(cols[1]!.split(":")[1]!, 16);
      ports.set(port, (ports.get(port) ?? 0) + 1);
    }
  }
  return ports;
}

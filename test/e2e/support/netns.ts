/**
 * Runs a test file inside a fresh network namespace that holds only a loopback interface.
 *
 * Why: Chromium announces and queries `<uuid>.local` names over multicast DNS, and the media
 * node's `mdns.mode: shared|perConnection` sends queries too. Multicast must never leave the
 * machine, so every test that can produce it runs in a namespace with no link to the host.
 *
 * How: the file re-executes itself under `unshare -n` with the same Node flags and stdio, so
 * the node:test runner that started it reads the inner run's results as if they were its own;
 * the outer process only relays the exit code. Everything the tests start afterwards (media
 * node, Chromium, ffmpeg, werift viewers) inherits the namespace, so plain 127.0.0.1 works and
 * nothing needs wrapping. The namespace dies with its last process: nothing to clean up.
 */
import { spawn, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const INSIDE_ENV = "MEDIAFLEET_E2E_NETNS";

/** True when this process already runs in the namespace made by `runFileInFreshNetns`. */
export function insideTestNetns(): boolean {
  return process.env[INSIDE_ENV] === "1";
}

/**
 * Call at the top of a test file, before declaring tests: `await enterFreshNetns(import.meta.url);`
 * Outside the namespace it re-runs the file inside one, waits, and exits with the inner run's
 * code (it never returns). Inside, it sets up the namespace's network and returns.
 */
export async function enterFreshNetns(fileUrl: string): Promise<void> {
  if (insideTestNetns()) {
    setUpNamespaceNetwork();
    return;
  }
  // Root can make a network namespace directly; anyone else needs a user namespace too.
  const unshareArgs = process.getuid?.() === 0 ? ["-n"] : ["-r", "-n"];
  const child = spawn(
    "unshare",
    [...unshareArgs, "--fork", "--kill-child", "--", process.execPath, ...process.execArgv, fileURLToPath(fileUrl)],
    { stdio: "inherit", env: { ...process.env, [INSIDE_ENV]: "1" } },
  );
  // A runner that times the file out signals this process: pass it on so nothing is orphaned.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise<number>((resolve) => {
    child.on("error", (err) => {
      process.stderr.write(`netns: cannot run unshare: ${err.message}\n`);
      resolve(1);
    });
    child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  process.exit(code);
}

/** The veth pair made inside the namespace (both ends stay in it). */
export const VETH = { name: "mf0", peer: "mf1", address: "10.200.0.1", peerAddress: "10.200.0.2" } as const;

/**
 * A new namespace has only `lo`, down. We bring it up with multicast, and add a veth pair
 * whose two ends both live in this namespace, with a default route through it: Chromium,
 * when a page has no camera grant, does not enumerate interfaces and offers a `.local`
 * host candidate for its "default local address" only — found by routing towards a public
 * address; without a default route it offers no candidate at all. Nothing can leave: the
 * namespace has no link to the host, and forwarding is off in a new namespace.
 * Multicast (mDNS, 224.0.0.251) is routed onto the veth, where every listener here hears it.
 */
function setUpNamespaceNetwork(): void {
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "inherit"] });
  ip("link", "set", "lo", "up");
  ip("link", "set", "lo", "multicast", "on");
  ip("link", "add", VETH.name, "type", "veth", "peer", "name", VETH.peer);
  ip("addr", "add", `${VETH.address}/30`, "dev", VETH.name);
  ip("addr", "add", `${VETH.peerAddress}/30`, "dev", VETH.peer);
  ip("link", "set", VETH.name, "up");
  ip("link", "set", VETH.peer, "up");
  ip("route", "replace", "224.0.0.0/4", "dev", VETH.name);
  ip("route", "add", "default", "via", VETH.peerAddress, "dev", VETH.name);
}

/** Interfaces visible here; tests assert that only `lo` exists before sending multicast. */
export function listInterfaces(): string[] {
  const out = execFileSync("ip", ["-o", "link", "show"]).toString();
  return out
    .split("\n")
    .map((line) => /^\d+:\s+([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => Boolean(name));
}

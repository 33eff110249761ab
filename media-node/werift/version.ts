/**
 * The werift version installed, for the messages of the seams that refuse to start when werift
 * no longer has the internals they were written for: the version is the first thing a reader of
 * such a message needs. werift's package `exports` hides its package.json, so this walks up from
 * the entry point that `require.resolve` finds.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export function installedWeriftVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve("werift");
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (pkg.name === "werift") return pkg.version ?? "(unknown version)";
      } catch {
        // no readable package.json here; keep walking up
      }
    }
  } catch {
    // werift not resolvable from here: say so in the message rather than fail a second time
  }
  return "(unknown version)";
}

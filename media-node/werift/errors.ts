/**
 * How a werift seam that does not fit says so: one error naming every seam and what is missing,
 * with the installed and the verified werift versions (the first thing its reader needs).
 */
import { installedWeriftVersion } from "./version.js";

/** The werift version every seam was written and verified against. */
export const WERIFT_VERSION_VERIFIED = "0.25.2";

export interface SeamReport {
  seam: string;
  problems: string[];
}

export class WeriftSeamError extends Error {
  readonly code = "WERIFT_SEAM";
  /** `consequence`: what the node does about it ("refusing to start" at boot). */
  constructor(
    readonly reports: readonly SeamReport[],
    consequence = "refusing to start",
  ) {
    super(
      `werift ${installedWeriftVersion()} does not fit what the media node was written for (verified against ${WERIFT_VERSION_VERIFIED}); ${consequence}:\n` +
        reports.map((r) => ` - seam "${r.seam}": ${r.problems.join("; ")}`).join("\n"),
    );
    this.name = "WeriftSeamError";
  }
}

/** Throws WeriftSeamError for one seam when `problems` is not empty. */
export function refuseIfProblems(seam: string, problems: string[], consequence?: string): void {
  if (problems.length > 0) throw new WeriftSeamError([{ seam, problems }], consequence);
}

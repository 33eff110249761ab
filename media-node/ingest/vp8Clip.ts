/**
 * The test-pattern clip: 2 s of ffmpeg's `testsrc2` at 480x270, 30 fps, VP8 (libvpx, a
 * keyframe every 30 frames), generated for this repository by
 *   ffmpeg -f lavfi -i testsrc2=size=480x270:rate=30:duration=2 -c:v libvpx -b:v 450k \
 *     -g 30 -keyint_min 30 -auto-alt-ref 0 -lag-in-frames 0 -error-resilient 1 out.ivf
 * It is real, decodable video, so the player page shows a moving picture on `--demo`.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FILE = "testpattern-480x270.ivf";

function locate(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Beside the sources (tsx), or from dist/media-node/ingest back to the repository's copy.
  const candidates = [resolve(here, "../assets"), resolve(here, "../../../media-node/assets")];
  const dir = candidates.find((d) => existsSync(join(d, FILE)));
  return join(dir ?? candidates[0]!, FILE);
}

export const TEST_PATTERN_CLIP = locate();

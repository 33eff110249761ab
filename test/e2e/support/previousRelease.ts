/**
 * The released previous version, built from git history, for the upgrade test: its chart, and
 * its operator build as the image `ghcr.io/mediafleet/mediafleet:<version>` (the sim's image
 * map `app:` key points that image's /app at the build). Built once into
 * ~/.cache/mediafleet/releases/ (about 30 s: `git archive` + tsc, node_modules borrowed from
 * this checkout, whose dependencies are a superset of the release's).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../integration/operatorSupport.js";

/** The commit whose chart 0.2.0 landed and passed CI (the release users have installed). */
export const PREVIOUS_RELEASE = { version: "0.2.0", commit: "2e63d1996394eac43f5d881a904febad1ec6c489" } as const;
export const OPERATOR_IMAGE = "ghcr.io/mediafleet/mediafleet";

export interface ReleaseBuild {
  dir: string;
  chart: string;
  /** The shipped image map plus the released operator image mapped to this build. */
  imageMapPath: string;
}

export function previousReleaseBuild(): ReleaseBuild {
  const { version, commit } = PREVIOUS_RELEASE;
  const dir = join(process.env.MEDIAFLEET_CACHE ?? join(homedir(), ".cache/mediafleet"), "releases", `mediafleet-${version}-${commit.slice(0, 12)}`);
  if (!existsSync(join(dir, "dist/operator/main.js"))) build(dir, commit);
  const imageMapPath = join(tmpdir(), `mediafleet-images-${version}-${process.pid}.yaml`);
  const shipped = readFileSync(join(REPO_ROOT, "test/sim/images.yaml"), "utf8");
  writeFileSync(imageMapPath, `${shipped}
# Added by test/e2e/support/previousRelease.ts: the released operator runs its own build.
- image: ${OPERATOR_IMAGE}:${version}
  app: ${dir}
  env:
    METRICS_ADDR: $(POD_IP):8080
    HEALTH_ADDR: $(POD_IP):8081
`);
  return { dir, chart: join(dir, "charts/mediafleet"), imageMapPath };
}

function build(dir: string, commit: string): void {
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const archive = execFileSync("git", ["-C", REPO_ROOT, "archive", "--format=tar", commit], { maxBuffer: 256 << 20 });
    execFileSync("tar", ["-x", "-C", work], { input: archive });
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`the upgrade test builds release ${PREVIOUS_RELEASE.version} from git commit ${commit}, which this clone lacks (a shallow clone? git fetch --unshallow): ${(err as Error).message.slice(0, 300)}`);
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(work, "node_modules"));
  execFileSync(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", join(work, "tsconfig.json")], { stdio: "inherit" });
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
}

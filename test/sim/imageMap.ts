// The sim's image map (a contract other tests rely on): which container images behave how.
// There is no container runtime here; every container runs this repository's build. A YAML list
// of `{image, env}` gives an image its behaviour: for a container whose `image` equals an
// entry's exactly, the entry's env is merged in after the pod spec's env (the image wins) and
// before the sim's own listen/UDP/host overrides (see containerPlan.ts). `$(REPO_ROOT)` in a
// value becomes the repository root, so `NODE_OPTIONS: --import $(REPO_ROOT)/test/sim/images/x.mjs`
// works from any checkout; `$(POD_IP)` becomes the pod's IP when the container starts (the sim
// has no network namespace per pod, so an image that listens on `:port` is told its address).
// An entry naming a repository without a tag or digest matches every tag of it (an entry naming
// the exact image wins). `app: /dir` makes the image's `/app` that directory instead of the
// repository: another build, e.g. a released version for an upgrade test. Unlisted images run
// the build unchanged.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ImageEntry {
  image: string;
  /** With `$(REPO_ROOT)` already expanded. */
  env: Readonly<Record<string, string>>;
  /** Where this image's `/app` is (another build, e.g. a released version); default the repository. */
  app?: string;
}

export interface ImageMap {
  /** Where the map came from (a file path, or what the caller named it). */
  readonly source: string;
  readonly entries: readonly ImageEntry[];
  /** The env an image brings, undefined when the image is not listed. */
  envFor(image: string | undefined): Readonly<Record<string, string>> | undefined;
  /** The directory an image's `/app` maps to, when its entry names one. */
  appFor(image: string | undefined): string | undefined;
}

export class ImageMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageMapError';
  }
}

/** The map the repository ships, relative to the repository root. */
export const SHIPPED_IMAGE_MAP = 'test/sim/images.yaml';
/** Env of the process starting the sim: a map file replacing the shipped one for a run. */
export const IMAGE_MAP_ENV = 'SIM_IMAGES';

const ENTRY_KEYS = new Set(['image', 'env', 'app']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An empty map: every image runs the build unchanged. */
export function emptyImageMap(source = '(none)'): ImageMap {
  return makeMap(source, []);
}

/**
 * Which file to load: the caller's explicit path, else `SIM_IMAGES`, else the shipped map.
 * Relative paths are taken from the current directory, as a shell user would expect.
 */
export function imageMapPath(options: { repoRoot: string; imageMapPath?: string; env?: NodeJS.ProcessEnv }): string {
  const chosen = options.imageMapPath || (options.env ?? process.env)[IMAGE_MAP_ENV] || join(options.repoRoot, SHIPPED_IMAGE_MAP);
  return isAbsolute(chosen) ? chosen : resolve(chosen);
}

/** Reads and validates a map file; throws ImageMapError naming the file, entry and field. */
export function loadImageMap(path: string, repoRoot: string): ImageMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ImageMapError(`image map ${path}: cannot read: ${(err as Error).message}`);
  }
  return parseImageMap(text, { source: path, repoRoot });
}

/** Pure: YAML text -> validated map with `$(REPO_ROOT)` expanded. */
export function parseImageMap(text: string, options: { source: string; repoRoot: string }): ImageMap {
  const { source } = options;
  const fail = (what: string): never => {
    throw new ImageMapError(`image map ${source}: ${what}`);
  };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    fail(`not valid YAML: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) fail(`must be a YAML list of {image, env} entries, got ${describe(doc)}`);
  const root = options.repoRoot.length > 1 ? options.repoRoot.replace(/\/+$/, '') : options.repoRoot;
  const seen = new Set<string>();
  const entries = (doc as unknown[]).map((raw, index): ImageEntry => {
    const where = (image?: string) => `entry ${index + 1}${image ? ` (${image})` : ''}`;
    if (!isPlainObject(raw)) return fail(`${where()}: must be a mapping with image and env, got ${describe(raw)}`);
    const image = raw.image;
    if (typeof image !== 'string' || image.trim() === '') return fail(`${where()}: image: must be a non-empty string, got ${describe(image)}`);
    for (const key of Object.keys(raw)) {
      if (!ENTRY_KEYS.has(key)) fail(`${where(image)}: unknown key "${key}" (allowed: image, env, app)`);
    }
    if (seen.has(image)) fail(`${where(image)}: image: listed twice`);
    seen.add(image);
    const rawEnv = raw.env ?? {};
    if (!isPlainObject(rawEnv)) return fail(`${where(image)}: env: must be a mapping of NAME: "value", got ${describe(rawEnv)}`);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(rawEnv)) {
      if (!ENV_NAME.test(name)) fail(`${where(image)}: env.${name}: not a valid environment variable name`);
      // Kubernetes env values are strings; a bare 16384 or true in YAML is most likely a slip.
      if (typeof value !== 'string') fail(`${where(image)}: env.${name}: must be a string (quote it in YAML), got ${describe(value)}`);
      env[name] = (value as string).replaceAll('$(REPO_ROOT)', root);
    }
    if (raw.app === undefined) return { image, env };
    const app = typeof raw.app === 'string' ? raw.app.replaceAll('$(REPO_ROOT)', root) : undefined;
    if (app === undefined || !isAbsolute(app)) return fail(`${where(image)}: app: must be an absolute directory (the build this image runs), got ${describe(raw.app)}`);
    return { image, env, app };
  });
  return makeMap(source, entries);
}

function makeMap(source: string, entries: ImageEntry[]): ImageMap {
  const byImage = new Map(entries.map((e) => [e.image, e]));
  const entryFor = (image: string | undefined) => (image === undefined ? undefined : (byImage.get(image) ?? byImage.get(repositoryOf(image))));
  return { source, entries, envFor: (image) => entryFor(image)?.env, appFor: (image) => entryFor(image)?.app };
}

/** `registry:5000/a/b:tag@sha256:...` -> `registry:5000/a/b`: the image without tag or digest. */
export function repositoryOf(image: string): string {
  const at = image.indexOf('@');
  const named = at < 0 ? image : image.slice(0, at);
  const colon = named.lastIndexOf(':');
  return colon > named.lastIndexOf('/') ? named.slice(0, colon) : named;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

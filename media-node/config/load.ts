/** Defaults, then file, then env, then validate: one error names every bad key by path. */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { applyEnvOverrides } from "./env.js";
import { mediaNodeConfigSchema } from "./schema.js";
import type { MediaNodeConfig } from "./types.js";
import { parseDuration } from "../../common/duration.js";
import { isLoopbackHost, parseListenAddress } from "./listenAddress.js";

export class ConfigError extends Error {
  readonly code = "MEDIA_NODE_BAD_CONFIG";
  constructor(message: string, readonly problems: string[] = []) {
    super(message);
    this.name = "ConfigError";
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: false });
const validate = ajv.compile(mediaNodeConfigSchema);

function describe(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replaceAll("/", ".") : "(root)";
  if (error.keyword === "additionalProperties") {
    return `${where === "(root)" ? "" : where + "."}${String(error.params.additionalProperty)}: unknown key`;
  }
  if (error.keyword === "enum") {
    return `${where}: ${error.message} (${(error.params.allowedValues as unknown[]).join(", ")})`;
  }
  return `${where}: ${error.message}`;
}

function isLoopback(listen: string): boolean {
  try {
    return isLoopbackHost(parseListenAddress(listen).host);
  } catch {
    return false; // reported as a bad listen address
  }
}

/** Checks rules the JSON schema cannot express. */
function crossFieldProblems(config: MediaNodeConfig): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const rtpPorts = new Set<number>();
  config.paths.forEach((path, i) => {
    if (names.has(path.name)) problems.push(`paths.${i}.name: duplicate path name "${path.name}"`);
    names.add(path.name);
    if (path.source?.rtp && path.source.testPattern) problems.push(`paths.${i}.source: rtp and testPattern are exclusive`);
    // One source per token: two would leave a reader guessing which one is in force.
    for (const [inline, file] of [["publishToken", "publishTokenFile"], ["readToken", "readTokenFile"]] as const) {
      if (path[inline] !== undefined && path[file] !== undefined) problems.push(`paths.${i}.${file}: ${inline} and ${file} are exclusive (set one)`);
    }
    const port = path.source?.rtp?.port;
    if (port !== undefined) {
      if (rtpPorts.has(port)) problems.push(`paths.${i}.source.rtp.port: port ${port} already used by another path`);
      rtpPorts.add(port);
    }
  });
  const interval = parseDuration(config.webrtc.rtcpReportInterval);
  if (interval < 100 || interval > 60_000) problems.push("webrtc.rtcpReportInterval: must be between 100ms and 60s");
  for (const key of ["http", "metrics", "pprof"] as const) {
    try {
      parseListenAddress(config[key].listen);
    } catch (error) {
      problems.push(`${key}.listen: ${(error as Error).message}`);
    }
  }
  // Heap profiles hold whatever the process holds: beyond this machine, never without a token.
  if (config.pprof.token === undefined && !isLoopback(config.pprof.listen)) {
    problems.push(`pprof.token: must be set when pprof.listen (${config.pprof.listen}) is not a loopback address`);
  }
  if (!config.webrtc.ipsFromInterfaces && config.webrtc.additionalHosts.length === 0) {
    problems.push("webrtc.additionalHosts: must list at least one host when ipsFromInterfaces is false");
  }
  return problems;
}

/** Validates a parsed document (already merged with env), filling defaults. */
export function validateConfig(doc: unknown): MediaNodeConfig {
  const candidate = structuredClone(doc ?? {});
  if (!validate(candidate)) {
    const problems = (validate.errors ?? []).map(describe);
    throw new ConfigError(`invalid media-node config:\n  ${problems.join("\n  ")}`, problems);
  }
  const config = candidate as MediaNodeConfig;
  const problems = crossFieldProblems(config);
  if (problems.length > 0) throw new ConfigError(`invalid media-node config:\n  ${problems.join("\n  ")}`, problems);
  return config;
}

export function parseConfigText(text: string, env: NodeJS.ProcessEnv = {}): MediaNodeConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (cause) {
    throw new ConfigError(`config is not valid YAML: ${(cause as Error).message}`);
  }
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError("(root): config must be a YAML mapping");
  return validateConfig(applyEnvOverrides(doc as Record<string, unknown>, env));
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): MediaNodeConfig {
  let text = "";
  if (file) {
    try {
      text = readFileSync(file, "utf8");
    } catch (cause) {
      throw new ConfigError(`cannot read config file ${file}: ${(cause as Error).message}`);
    }
  }
  return parseConfigText(text, env);
}

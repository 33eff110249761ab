/**
 * The operator's validator: ajv on the same spec schema as the CRD (defaults filled in),
 * then the cross-field rules of ./rules.ts. Problems carry Kubernetes-style field paths.
 */
import { Ajv, type ErrorObject } from "ajv";
import { crossFieldProblems, nameProblems, type FieldProblem } from "./rules.js";
import { mediaServerSpecSchema } from "./schema.js";
import type { MediaServerSpec } from "./types.js";

export type { FieldProblem };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
// Kubernetes extensions are annotations for ajv; ./rules.ts does what the CEL rules do.
for (const keyword of ["x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-int-or-string"]) {
  ajv.addKeyword({ keyword });
}
const validateSpecSchema = ajv.compile(forAjv(mediaServerSpecSchema) as Record<string, unknown>);

/**
 * The API server wants int-or-string as exactly `anyOf: [{type: integer}, {type: string}]`
 * with value checks beside it; ajv's strict mode wants a string-only `pattern` inside the
 * string branch. Same rule, moved.
 */
function forAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (schema === null || typeof schema !== "object") return schema;
  const node = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, forAjv(value)])) as Record<string, unknown>;
  if (node["x-kubernetes-int-or-string"] === true && typeof node.pattern === "string") {
    node.anyOf = [{ type: "integer" }, { type: "string", pattern: node.pattern }];
    delete node.pattern;
  }
  return node;
}

/** ajv's "/paths/0/source/rtp/port" -> "spec.paths[0].source.rtp.port". */
export function fieldPath(instancePath: string, prefix = "spec"): string {
  const parts = instancePath.split("/").slice(1).map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
  return parts.reduce((path, part) => (/^[0-9]+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`), prefix);
}

function describe(error: ErrorObject): FieldProblem {
  const path = fieldPath(error.instancePath);
  switch (error.keyword) {
    case "additionalProperties":
      return { path: `${path}.${String(error.params.additionalProperty)}`, message: "unknown field" };
    case "required":
      return { path: `${path}.${String(error.params.missingProperty)}`, message: "Required value" };
    case "enum":
      return { path, message: `${error.message ?? "invalid"}: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    default:
      return { path, message: error.message ?? "invalid" };
  }
}

export type SpecValidation = { ok: true; spec: MediaServerSpec } | { ok: false; problems: FieldProblem[] };

/** Validates a spec (a copy; the argument is not changed) and returns it with every default filled in. */
export function validateSpec(input: unknown): SpecValidation {
  const candidate = structuredClone(input ?? {});
  if (!validateSpecSchema(candidate)) {
    // ajv reports a failed `anyOf` branch by branch; the anyOf line itself says enough.
    const problems = (validateSpecSchema.errors ?? []).filter((e) => !e.schemaPath.includes("/anyOf/")).map(describe);
    return { ok: false, problems: dedupe(problems) };
  }
  const spec = candidate as MediaServerSpec;
  const problems = crossFieldProblems(spec);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec };
}

/** Validates name and spec of a MediaServer as the API server would. */
export function validateMediaServer(object: { metadata?: { name?: string }; spec?: unknown }): SpecValidation {
  const nameIssues = nameProblems(object.metadata?.name);
  const result = validateSpec(object.spec);
  if (nameIssues.length === 0) return result;
  return { ok: false, problems: [...nameIssues, ...(result.ok ? [] : result.problems)] };
}

export class InvalidSpecError extends Error {
  readonly code = "MEDIAFLEET_INVALID_SPEC";
  constructor(readonly problems: FieldProblem[]) {
    super(`invalid MediaServer: ${formatProblems(problems)}`);
    this.name = "InvalidSpecError";
  }
}

export function formatProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("; ");
}

/** The defaulted spec, or InvalidSpecError naming every bad field. */
export function normalizeSpec(input: unknown): MediaServerSpec {
  const result = validateSpec(input);
  if (!result.ok) throw new InvalidSpecError(result.problems);
  return result.spec;
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

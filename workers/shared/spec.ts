import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import schema from "../../cfg/project-jsonschema.json" with { type: "json" };
import type { ProjectSpec } from "./spec-types.js";

export type { EnvironmentSpec, ProjectSpec } from "./spec-types.js";

/** One failure; `path` is a JSON Pointer into the spec (SPEC §2.3). */
export interface SpecError {
  path: string;
  message: string;
}

export type ParseSpecResult =
  | { ok: true; spec: ProjectSpec }
  | { ok: false; kind: "invalid_json"; errors: SpecError[] }
  | { ok: false; kind: "validation"; message: string; errors: SpecError[] };

export const DEFAULT_API_VERSION = "platform.example.com/v2";
export const DEFAULT_KIND = "App";
export const DEFAULT_NETWORK_POLICY = "internal";

// Exact texts of SPEC §2.3; the patterns are the schema's own, so the two cannot drift apart.
const NAME_PATTERN = schema.properties.name.pattern;
const RUNTIME_PATTERN = schema.properties.runtime.pattern;
export const SPEC_MESSAGES = {
  unknownField: (dotted: string) => `unknown field "${dotted}"`,
  apiVersion: `apiVersion must be "${DEFAULT_API_VERSION}"`,
  kind: `kind must be "${DEFAULT_KIND}"`,
  name: `name must match ${NAME_PATTERN}`,
  runtime: `runtime must match ${RUNTIME_PATTERN}`,
  capability: (c: string) => `invalid capability "${c}"`,
  noEnvironments: "environments must include at least one environment",
  environmentName: (e: string) => `invalid environment name "${e}"`,
  varName: (k: string, e: string) => `invalid environment variable name "${k}" in "${e}"`,
  varValue: (k: string, e: string) => `env var "${k}" in "${e}" exceeds max length`,
  networkPolicy: (dir: string) => `networkPolicies.${dir} must be internal or none`,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Normalisation (SPEC §2.2) and JSON type checks (SPEC §0.2)
// ---------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Own-property write: a JSON key such as "__proto__" must stay data, never reach the prototype. */
function setOwn(obj: Json, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Own-property read; `null` counts as absent (SPEC §0.2). */
function field(obj: Json, key: string): unknown {
  return Object.hasOwn(obj, key) && obj[key] !== null ? obj[key] : undefined;
}

/** RFC 6901 pointer from path segments. */
export function jsonPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Byte order of the UTF-8 encodings (SPEC §2.3 "byte order"); differs from `<` on astral characters. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

const TOP_LEVEL_FIELDS = new Set([
  "apiVersion",
  "kind",
  "name",
  "runtime",
  "capabilities",
  "environments",
  "networkPolicies",
]);

/**
 * Normalise a raw (JSON-parsed) spec. Known fields get their §2.2 treatment; unknown fields are copied through
 * untouched so validation can report them (rule #1). A known field with the wrong JSON type is a type error
 * (→ INVALID_JSON). `null` means absent only for named fields; a null map entry or list element (a var value,
 * an environment, a capability) has the wrong type like any other non-string/non-object.
 * `spec` is present only when there are no type errors.
 */
export function normalizeSpec(raw: unknown): { spec?: Json; typeErrors: SpecError[] } {
  const typeErrors: SpecError[] = [];
  const typeError = (segments: (string | number)[], expected: string) =>
    typeErrors.push({ path: jsonPointer(segments), message: `${dotted(segments)} must be ${expected}` });

  if (!isObject(raw)) {
    return { typeErrors: [{ path: "", message: "spec must be an object" }] };
  }

  const out: Json = {};
  const str = (key: string, fallback: string): string => {
    const v = field(raw, key);
    if (v === undefined) return fallback;
    if (typeof v !== "string") {
      typeError([key], "a string");
      return fallback;
    }
    return v.trim() === "" ? fallback : v.trim();
  };

  setOwn(out, "apiVersion", str("apiVersion", DEFAULT_API_VERSION));
  setOwn(out, "kind", str("kind", DEFAULT_KIND));
  setOwn(out, "name", str("name", ""));
  setOwn(out, "runtime", str("runtime", ""));

  const caps = field(raw, "capabilities");
  if (caps !== undefined) {
    if (!Array.isArray(caps)) {
      typeError(["capabilities"], "an array of strings");
    } else {
      const seen = new Set<string>();
      caps.forEach((c, i) => {
        if (typeof c !== "string") {
          typeError(["capabilities", i], "a string");
          return;
        }
        const t = c.trim();
        if (t !== "") seen.add(t); // a Set keeps first-occurrence order
      });
      if (seen.size > 0) setOwn(out, "capabilities", [...seen]);
    }
  }

  const environments: Json = {};
  const envs = field(raw, "environments");
  if (envs !== undefined && !isObject(envs)) typeError(["environments"], "an object");
  // The stored spec keeps the client's key order; reports and YAML sort by bytes themselves.
  for (const [name, env] of Object.entries(isObject(envs) ? envs : {})) {
    if (!isObject(env)) {
      typeError(["environments", name], "an object");
      continue;
    }
    const vars = field(env, "vars");
    const normVars: Json = {};
    if (vars !== undefined && !isObject(vars)) typeError(["environments", name, "vars"], "an object");
    for (const [k, v] of Object.entries(isObject(vars) ? vars : {})) {
      if (typeof v !== "string") typeError(["environments", name, "vars", k], "a string");
      else setOwn(normVars, k, v); // values are kept verbatim (no trim)
    }
    const normEnv: Json = {};
    setOwn(normEnv, "vars", normVars);
    copyUnknown(env, normEnv, new Set(["vars"]));
    setOwn(environments, name, normEnv);
  }
  setOwn(out, "environments", environments);

  const np = field(raw, "networkPolicies");
  const policies: Json = {};
  if (np !== undefined && !isObject(np)) typeError(["networkPolicies"], "an object");
  const npObj = isObject(np) ? np : {};
  for (const dir of ["ingress", "egress"]) {
    const v = field(npObj, dir);
    if (v !== undefined && typeof v !== "string") typeError(["networkPolicies", dir], "a string");
    const t = typeof v === "string" ? v.trim() : "";
    setOwn(policies, dir, t === "" ? DEFAULT_NETWORK_POLICY : t);
  }
  copyUnknown(npObj, policies, new Set(["ingress", "egress"]));
  setOwn(out, "networkPolicies", policies);

  copyUnknown(raw, out, TOP_LEVEL_FIELDS);
  return typeErrors.length > 0 ? { typeErrors } : { spec: out, typeErrors };
}

function copyUnknown(from: Json, to: Json, known: Set<string>): void {
  for (const k of Object.keys(from)) if (!known.has(k)) setOwn(to, k, from[k]);
}

function dotted(segments: readonly (string | number)[]): string {
  return segments.map(String).join(".");
}

// ---------------------------------------------------------------------------------------------------------
// Validation (SPEC §2.1 schema via ajv, messages and order of §2.3)
// ---------------------------------------------------------------------------------------------------------

const ajv = new Ajv2020({ allErrors: true, strict: true });
// §2.1: var values are limited in UTF-8 bytes, which no standard keyword measures.
ajv.addKeyword({
  keyword: "maxBytes",
  type: "string",
  schemaType: "number",
  errors: false,
  validate: (max: number, data: string) => Buffer.byteLength(data, "utf8") <= max,
});
const validateSchema = ajv.compile(schema);

/** A sort key: compared element-wise, numbers numerically, strings in byte order. */
type SortKey = (string | number)[];

interface Failure extends SpecError {
  key: SortKey;
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    const c = typeof x === "number" && typeof y === "number" ? x - y : compareBytes(String(x), String(y));
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Translate one ajv error into the §2.3 failure it stands for, with a key that places it in the §2.3 order:
 * the rule number first; rules 8–10 share one group ordered by environment, then name before vars, then per var
 * name before value. Several ajv errors can map to the same failure (e.g. maxLength and pattern); the caller
 * dedupes.
 */
function toFailure(err: ErrorObject, spec: Json): Failure {
  const at = parsePointer(err.instancePath);
  const fail = (key: SortKey, segments: string[], message: string): Failure => ({
    key,
    path: jsonPointer(segments),
    message,
  });

  if (err.keyword === "additionalProperties") {
    const segments = [...at, String((err.params as { additionalProperty: string }).additionalProperty)];
    // Document order: top-level fields, then environments (byte order), then networkPolicies.
    const section = at.length === 0 ? [0] : at[0] === "environments" ? [1, at[1] ?? ""] : [2];
    return fail([1, ...section, segments[segments.length - 1]], segments, SPEC_MESSAGES.unknownField(dotted(segments)));
  }

  // propertyNames reports on the object, naming the key in params (or on the inner error's propertyName).
  const propertyName =
    err.keyword === "propertyNames"
      ? (err.params as { propertyName: string }).propertyName
      : (err as ErrorObject & { propertyName?: string }).propertyName;

  const [top, second, third, fourth] = at;
  switch (top) {
    case "apiVersion":
      return fail([2], at, SPEC_MESSAGES.apiVersion);
    case "kind":
      return fail([3], at, SPEC_MESSAGES.kind);
    case "name":
      return fail([4], at, SPEC_MESSAGES.name);
    case "runtime":
      return fail([5], at, SPEC_MESSAGES.runtime);
    case "capabilities": {
      const caps = spec.capabilities as string[];
      // uniqueItems (unreachable after dedupe) reports the later duplicate's index in params.i.
      const index = second !== undefined ? Number(second) : Number((err.params as { i?: number }).i ?? 0);
      return fail([6, index], ["capabilities", String(index)], SPEC_MESSAGES.capability(String(caps[index])));
    }
    case "environments":
      if (second === undefined && propertyName !== undefined) {
        return fail([8, propertyName, 0], ["environments", propertyName], SPEC_MESSAGES.environmentName(propertyName));
      }
      if (second === undefined) return fail([7], ["environments"], SPEC_MESSAGES.noEnvironments);
      if (third === "vars" && fourth === undefined && propertyName !== undefined) {
        return fail(
          [8, second, 1, propertyName, 0],
          ["environments", second, "vars", propertyName],
          SPEC_MESSAGES.varName(propertyName, second),
        );
      }
      if (third === "vars" && fourth !== undefined) {
        return fail([8, second, 1, fourth, 1], at, SPEC_MESSAGES.varValue(fourth, second));
      }
      break;
    case "networkPolicies":
      if (second === "ingress" || second === "egress") {
        return fail([11, second === "ingress" ? 0 : 1], at, SPEC_MESSAGES.networkPolicy(second));
      }
      break;
  }
  // Not reachable for a normalised spec; kept so no schema failure is ever silently dropped.
  return fail([12], at, `${dotted(at) || "spec"} ${err.message ?? "is invalid"}`);
}

/** Validate a normalised spec; returns every §2.3 failure in the contract's order (empty when valid). */
export function validateSpec(spec: Json): SpecError[] {
  if (validateSchema(spec)) return [];
  const failures = (validateSchema.errors ?? []).map((e) => toFailure(e, spec));
  failures.sort((a, b) => compareKeys(a.key, b.key));
  const seen = new Set<string>();
  const out: SpecError[] = [];
  for (const f of failures) {
    const id = `${f.path}\u0000${f.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ path: f.path, message: f.message });
  }
  return out;
}

/** Normalise then validate (SPEC §2.2, §2.3, §0.2). The one entry point for every endpoint that takes a spec. */
export function parseSpec(raw: unknown): ParseSpecResult {
  const { spec, typeErrors } = normalizeSpec(raw);
  if (spec === undefined) return { ok: false, kind: "invalid_json", errors: typeErrors };
  const errors = validateSpec(spec);
  if (errors.length > 0) return { ok: false, kind: "validation", message: errors[0].message, errors };
  return { ok: true, spec: spec as unknown as ProjectSpec };
}

// ---------------------------------------------------------------------------------------------------------
// registration/project.yaml (SPEC §8.1)
// ---------------------------------------------------------------------------------------------------------

// Words YAML (1.2 core, and 1.1 for older readers) would read as something other than a string.
const YAML_RESERVED = /^(?:~|null|true|false|yes|no|on|off|y|n)$/i;
const YAML_PLAIN_SAFE = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

/** A plain scalar when that reads back as the same string, otherwise a JSON (double-quoted) one. */
function yamlScalar(s: string): string {
  return YAML_PLAIN_SAFE.test(s) && !YAML_RESERVED.test(s) ? s : JSON.stringify(s);
}

/**
 * The normalised spec as YAML, written by hand so the bytes are deterministic: fixed key order, environments
 * and vars in byte order, var values always double-quoted with JSON escaping, 2-space indent.
 */
export function specToYaml(spec: ProjectSpec): string {
  const lines: string[] = [
    `apiVersion: ${yamlScalar(spec.apiVersion)}`,
    `kind: ${yamlScalar(spec.kind)}`,
    `name: ${yamlScalar(spec.name)}`,
    `runtime: ${yamlScalar(spec.runtime)}`,
  ];
  if (spec.capabilities && spec.capabilities.length > 0) {
    lines.push("capabilities:");
    for (const c of spec.capabilities) lines.push(`  - ${yamlScalar(c)}`);
  }
  const envNames = Object.keys(spec.environments).sort(compareBytes);
  if (envNames.length === 0) lines.push("environments: {}");
  else lines.push("environments:");
  for (const env of envNames) {
    lines.push(`  ${yamlScalar(env)}:`);
    const vars = spec.environments[env].vars ?? {};
    const names = Object.keys(vars).sort(compareBytes);
    if (names.length === 0) {
      lines.push("    vars: {}");
      continue;
    }
    lines.push("    vars:");
    for (const k of names) lines.push(`      ${yamlScalar(k)}: ${JSON.stringify(vars[k])}`);
  }
  lines.push(
    "networkPolicies:",
    `  ingress: ${yamlScalar(spec.networkPolicies.ingress)}`,
    `  egress: ${yamlScalar(spec.networkPolicies.egress)}`,
  );
  return `${lines.join("\n")}\n`;
}

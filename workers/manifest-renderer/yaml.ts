import { parse, parseAllDocuments } from "yaml";

/** JSON-like data the manifest emitter writes. */
export type YamlValue = string | number | boolean | null | YamlValue[] | YamlMap;
/** A YAML mapping; key order is kept. */
export interface YamlMap {
  [key: string]: YamlValue;
}

/** True for a plain (non-array) object. */
export function isYamlMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Emit one block-style YAML document ending in `\n`: two-space indent, sequences indented under their key,
 * strings plain when unambiguous, else double-quoted. Container `env` values are always double-quoted
 * (SPEC §10.1), so a var value never changes type in any reader.
 */
export function toYaml(doc: YamlMap): string {
  const text = `${mapLines(doc, 0, false).join("\n")}\n`;
  // The renderer parses what it just emitted (kustomize build, schema checks): it reads back as `doc`, so remember
  // that instead of parsing it again. Only for values the emitter round-trips exactly (yaml.test.ts).
  if (!PARSED.has(text) && roundTrips(doc)) remember(text, [{ value: structuredClone(doc) }]);
  return text;
}

/** Several documents as one YAML stream (`---` between them), remembered like {@link toYaml}'s. */
export function toYamlStream(docs: YamlMap[]): string {
  const text = docs.map((d) => toYaml(d)).join("---\n");
  if (!PARSED.has(text) && docs.every(roundTrips))
    remember(
      text,
      docs.map((d) => ({ value: structuredClone(d) })),
    );
  return text;
}

/** One document of a YAML stream: its value, or the first parse error. */
export interface ParsedDocument {
  value?: unknown;
  error?: string;
}

// Documents by text, bounded. Texts recur: every render of a project parses the same base and overlay files.
const PARSED = new Map<string, ParsedDocument[]>();
const PARSED_MAX = 1024;

function remember(text: string, docs: ParsedDocument[]): void {
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(text, docs);
}

function roundTrips(value: YamlValue): boolean {
  if (typeof value === "number") return Number.isSafeInteger(value) && !Object.is(value, -0);
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (Array.isArray(value)) return value.every(roundTrips);
  return Object.entries(value).every(([k, v]) => k !== "__proto__" && roundTrips(v));
}

/**
 * `parseAllDocuments(text)` as values: each document's `toJS()`, or its first error. Memoised by text and seeded
 * by {@link toYaml}; every call returns fresh copies, so callers may change what they get.
 */
export function parseDocuments(text: string): ParsedDocument[] {
  const known = PARSED.get(text);
  if (known !== undefined) return structuredClone(known);
  const docs: ParsedDocument[] = [];
  for (const doc of parseAllDocuments(text)) {
    docs.push(doc.errors.length > 0 ? { error: doc.errors[0].message } : { value: doc.toJS() });
  }
  // Tagged values (`!!binary` → Buffer, …) would not survive structuredClone as they are: not remembered.
  if (docs.every((d) => d.value === undefined || isPlainData(d.value))) remember(text, structuredClone(docs));
  return docs;
}

function isPlainData(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value as object).every(isPlainData);
}

/** A string as a YAML double-quoted scalar: JSON escaping plus `\u` escapes for YAML's non-printables. */
export function quoteYaml(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// Characters that can never start or sit inside a plain scalar with a special meaning.
const PLAIN_CANDIDATE = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$/;
// Candidates that start with a letter, `_` or `/` are strings under both schemas unless they are one of these: the
// YAML 1.1 booleans and nulls in any case, and `e<digits>` (the `yaml` package's 1.1 float allows an empty mantissa).
// The parser decides the exact spellings. Numbers, timestamps, `.inf` and `.nan` start with a digit, a sign or a dot.
const WORD_START = /^[A-Za-z_/]/;
const MAYBE_NOT_A_STRING = /^(?:y|n|yes|no|on|off|true|false|null|e[-+]?[0-9]+)$/i;

// Decisions the parser had to make, keyed by string; bounded because keys and values come from user specs.
const PARSED_PLAIN = new Map<string, boolean>();
const PARSED_PLAIN_MAX = 4096;

/** Whether `s` reads back as the same string under the YAML 1.1 and the 1.2 core schema (the parser decides). */
function parsesAsItself(s: string): boolean {
  let plain = PARSED_PLAIN.get(s);
  if (plain === undefined) {
    plain = parse(s) === s && parse(s, { version: "1.1" }) === s;
    if (PARSED_PLAIN.size >= PARSED_PLAIN_MAX) PARSED_PLAIN.clear();
    PARSED_PLAIN.set(s, plain);
  }
  return plain;
}

/** A string as a plain scalar when it reads back as the same string, else double-quoted. */
function scalarString(s: string): string {
  // Readers differ (kubectl/go-yaml still resolve YAML 1.1 `yes`, `on`, `0o7`, `1_000`, `12:30`), so a plain
  // scalar must read back as this string under both the 1.1 and the 1.2 core schema. Most keys and values are
  // words (`apiVersion`, `app`, `IfNotPresent`): those need no parser run; the rest ask the parser once.
  if (!PLAIN_CANDIDATE.test(s) || s.endsWith(":")) return quoteYaml(s);
  const plain = (WORD_START.test(s) && !MAYBE_NOT_A_STRING.test(s)) || parsesAsItself(s);
  return plain ? s : quoteYaml(s);
}

function inline(value: YamlValue, forceQuote: boolean): string {
  if (typeof value === "string") return forceQuote ? quoteYaml(value) : scalarString(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "[]";
  if (isYamlMap(value)) return "{}";
  return String(value);
}

function isEmptyCollection(value: YamlValue): boolean {
  return Array.isArray(value) ? value.length === 0 : isYamlMap(value) && Object.keys(value).length === 0;
}

function mapLines(map: YamlMap, indent: number, envItem: boolean): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    const head = `${pad}${scalarString(key)}:`;
    if (Array.isArray(value) && value.length > 0) lines.push(head, ...seqLines(value, indent + 2, key === "env"));
    else if (isYamlMap(value) && !isEmptyCollection(value)) lines.push(head, ...mapLines(value, indent + 2, false));
    else lines.push(`${head} ${inline(value, envItem && key === "value")}`);
  }
  return lines;
}

function seqLines(items: YamlValue[], indent: number, envList: boolean): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const item of items) {
    if (isEmptyCollection(item) || !(Array.isArray(item) || isYamlMap(item))) {
      lines.push(`${pad}- ${inline(item, false)}`);
      continue;
    }
    // The item's first line moves up onto the `- ` line; the rest stay aligned two columns in.
    const inner = Array.isArray(item) ? seqLines(item, indent + 2, false) : mapLines(item, indent + 2, envList);
    inner[0] = `${pad}- ${inner[0].slice(indent + 2)}`;
    lines.push(...inner);
  }
  return lines;
}

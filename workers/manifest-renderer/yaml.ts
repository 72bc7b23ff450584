import { parse } from "yaml";

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
  return `${mapLines(doc, 0, false).join("\n")}\n`;
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

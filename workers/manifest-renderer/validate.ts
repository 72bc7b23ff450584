// Schema validation of rendered Kubernetes documents before they are committed (issue 4 item 5).
//
// The schemas are the Kubernetes OpenAPI definitions as packaged by `kubernetes-models` (precompiled ajv validators,
// one per API type; 5.1 carries a 1.34-era API, resource.k8s.io/v1 included). We use its public model classes:
// `new Deployment(doc).validate()` throws an ajv ValidationError whose `errors` carry the JSON-pointer field path.
// Those schemas check structure and types (required fields, integer vs string, enums, quantity format), not the API
// server's semantic validation: they set no port range (a containerPort of 70000 passes) and allow unknown fields.
//
// The package declares `engines.node >= 22` but runs unchanged on Node 20 (plain ES2022 modules, no Node 22 APIs);
// it is pinned to an exact version so an upgrade is a deliberate change that reruns validate.test.ts. Its format
// checkers load Node's builtin `punycode` at import (silent on Node 20; Node >= 21 prints a DEP0040 warning once).
// Bundle cost: about +0.7 MB to dist/slipway.mjs, mostly the compiled Deployment/Service schema closure (PodSpec…).

import { posix } from "node:path";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { Service, type IService } from "kubernetes-models/v1/Service";
import { StepError } from "../types.js";
import { isYamlMap, parseDocuments, type YamlMap, type YamlValue } from "./yaml.js";

/** The parts of an ajv ErrorObject the messages use (kubernetes-models' ValidationError.errors). */
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `apiVersion/kind` → the model whose `validate()` checks a document of that type. */
type ModelOf = (doc: YamlMap) => { validate(): void };
const MODELS: ReadonlyMap<string, ModelOf> = new Map<string, ModelOf>([
  ["apps/v1/Deployment", (doc: YamlMap) => new Deployment(doc as unknown as IDeployment)],
  ["v1/Service", (doc: YamlMap) => new Service(doc as unknown as IService)],
]);

/** How much failure text one StepError message carries before the rest is counted instead of listed. */
const MESSAGE_BUDGET = 600;

/** A JSON-pointer segment (RFC 6901 escaping). */
function pointerSegment(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function isAtOrBelow(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function schemaErrorsOf(err: unknown): SchemaError[] {
  const errors = (err as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) throw err; // not a schema failure: a bug, let it surface as is
  return errors.filter((e): e is SchemaError => typeof e?.instancePath === "string" && typeof e?.keyword === "string");
}

function reasonOf(e: SchemaError): string {
  switch (e.keyword) {
    case "type":
      return `must be ${String(e.params.type)}`;
    case "enum":
      return `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "format":
      return `must be a valid ${String(e.params.format)}`;
    default:
      return e.message ?? `fails schema keyword ${e.keyword}`;
  }
}

/**
 * Field-path failures ("<path> <reason>") of one document's schema errors, in ajv's order. A missing property is
 * reported at its own path (`/spec/selector is required`). Errors of one path are merged: the branches of a
 * `oneOf` (int-or-string, quantity) read as alternatives (`must be integer or string`), the `oneOf` itself is dropped.
 *
 * `partial` (strategic-merge patches): `required` errors are dropped, and so is a `oneOf`/`anyOf` at or above a
 * dropped one (a branch may have failed only for a field the base supplies).
 */
function fieldFailures(errors: SchemaError[], partial: boolean): string[] {
  const missing = errors.filter((e) => e.keyword === "required");
  const kept = partial
    ? errors.filter(
        (e) =>
          e.keyword !== "required" &&
          !(
            (e.keyword === "oneOf" || e.keyword === "anyOf") &&
            missing.some((m) => isAtOrBelow(m.instancePath, e.instancePath))
          ),
      )
    : errors;
  const byPath = new Map<string, { alternatives: boolean; reasons: string[] }>();
  for (const e of kept) {
    const path =
      e.keyword === "required"
        ? `${e.instancePath}/${pointerSegment(String(e.params.missingProperty))}`
        : e.instancePath;
    const entry = byPath.get(path) ?? { alternatives: false, reasons: [] };
    byPath.set(path, entry);
    if (e.keyword === "oneOf" || e.keyword === "anyOf") entry.alternatives = true;
    else {
      const reason = e.keyword === "required" ? "is required" : reasonOf(e);
      if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
    }
  }
  const out: string[] = [];
  for (const [path, { alternatives, reasons }] of byPath) {
    const text = alternatives
      ? reasons.map((r, i) => (i > 0 && r.startsWith("must be ") ? r.slice("must be ".length) : r)).join(" or ")
      : reasons.join(", ");
    out.push(`${path || "/"} ${text || "does not match the schema"}`);
  }
  return out;
}

/**
 * A strategic-merge patch as the schema can judge it: keys whose value is `null` (delete that field) and `$`
 * directives (`$patch`, `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`) are removed, since they
 * are patch syntax rather than field values.
 */
function stripPatchSyntax(value: YamlValue): YamlValue {
  if (Array.isArray(value)) return value.map(stripPatchSyntax);
  if (!isYamlMap(value)) return value;
  const out: YamlMap = {};
  for (const [key, v] of Object.entries(value)) if (v !== null && !key.startsWith("$")) out[key] = stripPatchSyntax(v);
  return out;
}

/** The failures of one parsed document, each "<Kind> <name>: <path> <reason>". */
function documentFailures(doc: unknown, partial: boolean): string[] {
  if (!isYamlMap(doc)) return [`document is not a mapping`];
  const { apiVersion, kind } = doc;
  const name = isYamlMap(doc.metadata) && typeof doc.metadata.name === "string" ? doc.metadata.name : "(unnamed)";
  const label = `${typeof kind === "string" ? kind : "(no kind)"} ${name}`;
  const model = MODELS.get(`${String(apiVersion)}/${String(kind)}`);
  if (typeof apiVersion !== "string") return [`${label}: /apiVersion is required`];
  if (typeof kind !== "string") return [`${label}: /kind is required`];
  if (model === undefined) return [`${label}: unsupported kind ${apiVersion}/${kind}`];
  const failures: string[] = [];
  // kustomize finds a patch's target by apiVersion, kind and name, so a patch must name its object.
  if (partial && name === "(unnamed)") failures.push(`${label}: /metadata/name is required`);
  try {
    model(partial ? (stripPatchSyntax(doc) as YamlMap) : doc).validate();
  } catch (err) {
    failures.push(...fieldFailures(schemaErrorsOf(err), partial).map((f) => `${label}: ${f}`));
  }
  return failures;
}

// Results by (partial, text): validation is a pure function of the two, and most files of a render are the same
// from one deploy to the next (base/, other environments' overlays). Bounded: texts come from user specs.
const CHECKED = new Map<string, readonly string[]>();
const CHECKED_MAX = 512;

/** Failures of every document of a YAML stream; empty documents (`---` at the end) are skipped. */
function textFailures(yamlText: string, partial: boolean): readonly string[] {
  const key = `${partial ? "p" : "f"}${yamlText}`;
  let failures = CHECKED.get(key);
  if (failures === undefined) {
    failures = checkText(yamlText, partial);
    if (CHECKED.size >= CHECKED_MAX) CHECKED.clear();
    CHECKED.set(key, failures);
  }
  return failures;
}

function checkText(yamlText: string, partial: boolean): string[] {
  const failures: string[] = [];
  for (const doc of parseDocuments(yamlText)) {
    if (doc.error !== undefined) {
      failures.push(`YAML does not parse: ${doc.error}`);
      continue;
    }
    const value = doc.value;
    if (value === null || value === undefined) continue;
    failures.push(...documentFailures(value, partial));
  }
  return failures;
}

function fail(failures: readonly string[]): void {
  if (failures.length === 0) return;
  let message = `invalid rendered manifest: ${failures[0]}`;
  let listed = 1;
  while (listed < failures.length && message.length + failures[listed].length + 2 <= MESSAGE_BUDGET) {
    message += `; ${failures[listed++]}`;
  }
  if (listed < failures.length) message += `; and ${failures.length - listed} more`;
  throw new StepError(message);
}

/**
 * Validate every document of rendered YAML (one or many, `---`-separated) against its Kubernetes schema: `apps/v1`
 * Deployment and `v1` Service are what we render; any other kind fails as `unsupported kind <apiVersion>/<kind>`.
 * Throws a permanent StepError `invalid rendered manifest: <Kind> <name>: <field path> <reason>` listing the
 * failures (all of them while the message stays short).
 */
export function validateManifests(yamlText: string): void {
  fail(textFailures(yamlText, false));
}

const isYamlPath = (path: string) => /\.ya?ml$/i.test(path);
const isKustomization = (path: string) => /^kustomization\.ya?ml$/i.test(posix.basename(path));

/** Files a kustomization of the set names as strategic-merge patches (`patches[].path`, `patchesStrategicMerge`). */
function patchPaths(files: ReadonlyMap<string, string>): Set<string> {
  const patches = new Set<string>();
  for (const [path, text] of files) {
    if (!isKustomization(path)) continue;
    for (const doc of parseDocuments(text)) {
      const k = doc.value;
      if (!isYamlMap(k)) continue;
      const refs = [
        ...(Array.isArray(k.patches) ? k.patches : []).map((p) => (isYamlMap(p) ? p.path : undefined)),
        ...(Array.isArray(k.patchesStrategicMerge) ? k.patchesStrategicMerge : []),
      ];
      for (const ref of refs) {
        if (typeof ref === "string") patches.add(posix.normalize(posix.join(posix.dirname(path), ref)));
      }
    }
  }
  return patches;
}

/**
 * Validate a set of rendered files (relative path → content): the three files of a render, or the kustomize tree
 * (`base/`, `overlays/<env>/`). Non-YAML files (`image.txt`) and `kustomization.yaml` (kustomize's own config, not
 * a Kubernetes object) are skipped. Complete objects (`base/deployment.yaml`, `base/service.yaml`, rendered files)
 * are validated in full; strategic-merge patches — files a kustomization lists under `patches`/
 * `patchesStrategicMerge`, or named `*patch.yaml` — are validated as partial objects.
 *
 * Why partial validation of a patch is sound: strategic merge puts every value the patch has at the same field of
 * the merged object (maps merge key by key, keyed lists merge item by item, anything else is replaced), so a value
 * of the wrong type in the patch is a wrong type in the render, and the schema can reject it here, with the patch
 * file's own path. What the patch leaves out the base supplies, so `required` errors are ignored, as are `null`
 * (delete the field) and `$` directives, which are patch syntax. It stays a pre-check: only the merged render,
 * validated in full, proves required fields are present.
 *
 * Failures name the file: `invalid rendered manifest: <Kind> <name>: <path> <reason> (in <file>)`.
 */
export function validateManifestFiles(files: ReadonlyMap<string, string>): void {
  const patches = patchPaths(files);
  const failures: string[] = [];
  for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isYamlPath(path) || isKustomization(path)) continue;
    const partial = patches.has(posix.normalize(path)) || /patch\.ya?ml$/i.test(posix.basename(path));
    failures.push(...textFailures(text, partial).map((f) => `${f} (in ${path})`));
  }
  fail(failures);
}

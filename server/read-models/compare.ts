import { createHash } from "node:crypto";
import { deploymentVars } from "../../workers/promoter/index.js";
import { parseAllDocuments } from "yaml";
import type { ReleaseRecord } from "../../workers/types.js";
import { byteCompare, type ReadArtifact } from "./artifact-source.js";

/**
 * The release compare response (SPEC §7.7). Key order is fixed so that `JSON.stringify` of the same inputs is
 * byte-identical: `from_id, to_id, from_release, to_release, summary, image_delta, config_delta, rendered_delta`;
 * inside the deltas `changed, from?, to?` (then `added?, removed?, updated?` for config); releases in SPEC §7.6
 * field order, followed by any unknown fields sorted by name. Absent optional fields are omitted, never `null`.
 */
export interface CompareResponse {
  from_id: string;
  to_id: string;
  from_release: ReleaseRecord;
  to_release: ReleaseRecord;
  summary: string;
  image_delta: { changed: boolean; from?: string; to?: string };
  config_delta: {
    changed: boolean;
    from?: string;
    to?: string;
    added?: string[];
    removed?: string[];
    updated?: string[];
  };
  rendered_delta: { changed: boolean; from?: string; to?: string };
}

/** Input of `compareReleases`: the two release records and a reader of artifact paths (null when absent). */
export interface CompareInput {
  from: ReleaseRecord;
  to: ReleaseRecord;
  read: ReadArtifact;
}

const RELEASE_KEYS = [
  "id",
  "project_id",
  "environment",
  "op_id",
  "op_kind",
  "delivery_stage",
  "from_env",
  "to_env",
  "image",
  "image_digest",
  "manifests_commit",
  "rendered_path",
  "config_path",
  "rollback_safe",
  "rollback_source_release",
  "rollback_scope",
  "created_at",
] as const;

/** Metadata fields that differ between otherwise equal objects (cluster bookkeeping), dropped before comparing. */
const NOISE_FIELDS = new Set(["creationTimestamp", "resourceVersion", "uid", "managedFields", "generation"]);
const NOISE_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  "deployment.kubernetes.io/revision",
]);

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted in byte order at every level (arrays keep their order). */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => sortedJson(v ?? null)).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(byteCompare);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null) ?? "null";
}

function stripPath(p: string | undefined): string | undefined {
  const s = p?.trim().replace(/^\/+|\/+$/g, "");
  return s ? s : undefined;
}

async function readFirst(read: ReadArtifact, paths: (string | undefined)[]): Promise<string | null> {
  for (const p of paths) {
    if (!p) continue;
    const text = await read(p);
    if (text !== null) return text;
  }
  return null;
}

/** The release's deployment snapshot (SPEC §7.7): first existing of `config_path`,
 * `<dir of rendered_path>/deployment.yaml`, `rendered_path`; null when none exists. */
export async function deploymentSnapshot(release: ReleaseRecord, read: ReadArtifact): Promise<string | null> {
  const config = stripPath(release.config_path);
  const rendered = stripPath(release.rendered_path);
  let sibling: string | undefined;
  if (rendered) {
    const slash = rendered.lastIndexOf("/");
    sibling = slash < 0 ? "deployment.yaml" : `${rendered.slice(0, slash)}/deployment.yaml`;
  }
  return readFirst(read, [config, sibling, rendered]);
}

type ParsedDoc = { ok: true; value: unknown } | { ok: false; source: string };

function parseDocs(text: string): ParsedDoc[] {
  const out: ParsedDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    const source = doc.range ? text.slice(doc.range[0], doc.range[2]).trim() : "";
    if (doc.errors.length > 0) {
      out.push({ ok: false, source });
      continue;
    }
    try {
      out.push({ ok: true, value: doc.toJS() as unknown });
    } catch {
      out.push({ ok: false, source });
    }
  }
  return out;
}

// The same reading of a Deployment's env the rollback plan uses (SPEC §7.4, §7.7).
export { deploymentVars };

/** sha256 hex of the `K=V` lines sorted in byte order and joined by `\n`; undefined when there are no vars. */
export function varsDigest(vars: Record<string, string>): string | undefined {
  const lines = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  if (lines.length === 0) return undefined;
  return sha256(lines.sort(byteCompare).join("\n"));
}

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === "metadata" && isRecord(v) ? scrubMetadata(v) : scrub(v);
  return out;
}

function scrubMetadata(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (NOISE_FIELDS.has(k)) continue;
    if (k === "annotations" && (v === null || isRecord(v))) {
      const kept = Object.entries(v ?? {}).filter(([a]) => !NOISE_ANNOTATIONS.has(a));
      // An annotations map left empty by the filter is noise too: treat it as absent.
      if (kept.length > 0) out[k] = Object.fromEntries(kept);
      continue;
    }
    out[k] = scrub(v);
  }
  return out;
}

/**
 * Canonical, noise-filtered form of a rendered manifest (SPEC §7.7): each YAML document as sorted-key JSON without
 * `creationTimestamp`, `resourceVersion`, `uid`, `managedFields`, `generation` and the annotations
 * `kubectl.kubernetes.io/last-applied-configuration` / `deployment.kubernetes.io/revision` in any `metadata` object
 * (the object's own and nested ones such as pod templates); empty documents skipped; an unparsable document kept as
 * its trimmed source text (a JSON string); documents sorted in byte order and joined by `\n`.
 */
export function canonicalRendered(text: string): string {
  const docs: string[] = [];
  for (const d of parseDocs(text)) {
    if (!d.ok) docs.push(JSON.stringify(d.source));
    else if (d.value !== null && d.value !== undefined) docs.push(sortedJson(scrub(d.value)));
  }
  return docs.sort(byteCompare).join("\n");
}

/** A release record with keys in SPEC §7.6 order (unknown keys after, sorted); absent fields omitted. */
export function orderedRelease(r: ReleaseRecord): ReleaseRecord {
  const src = r as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of RELEASE_KEYS) if (src[k] !== undefined && src[k] !== null) out[k] = src[k];
  const known = new Set<string>(RELEASE_KEYS);
  for (const k of Object.keys(src).sort(byteCompare)) {
    if (!known.has(k) && src[k] !== undefined) out[k] = src[k];
  }
  return out as unknown as ReleaseRecord;
}

function trimmed(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/** Compare two releases (SPEC §7.7): image, config vars and noise-filtered rendered manifests. Deterministic. */
export async function compareReleases(input: CompareInput): Promise<CompareResponse> {
  const { from, to, read } = input;

  const fromImage = trimmed(from.image);
  const toImage = trimmed(to.image);
  const imageChanged = (fromImage ?? "") !== (toImage ?? "");

  const fromSnap = await deploymentSnapshot(from, read);
  const toSnap = await deploymentSnapshot(to, read);
  const fromVars = fromSnap === null ? {} : deploymentVars(fromSnap);
  const toVars = toSnap === null ? {} : deploymentVars(toSnap);
  const has = (o: Record<string, string>, k: string) => Object.hasOwn(o, k);
  const added = Object.keys(toVars)
    .filter((k) => !has(fromVars, k))
    .sort(byteCompare);
  const removed = Object.keys(fromVars)
    .filter((k) => !has(toVars, k))
    .sort(byteCompare);
  const updated = Object.keys(toVars)
    .filter((k) => has(fromVars, k) && fromVars[k] !== toVars[k])
    .sort(byteCompare);
  const fromVarsDigest = varsDigest(fromVars);
  const toVarsDigest = varsDigest(toVars);

  const fromRenderedPath = stripPath(from.rendered_path);
  const toRenderedPath = stripPath(to.rendered_path);
  const fromRendered = fromRenderedPath ? await read(fromRenderedPath) : null;
  const toRendered = toRenderedPath ? await read(toRenderedPath) : null;
  const fromCanon = fromRendered === null ? undefined : canonicalRendered(fromRendered);
  const toCanon = toRendered === null ? undefined : canonicalRendered(toRendered);
  const renderedChanged = fromCanon !== toCanon;
  const configChanged = added.length + removed.length + updated.length > 0;

  return {
    from_id: from.id,
    to_id: to.id,
    from_release: orderedRelease(from),
    to_release: orderedRelease(to),
    summary:
      `Image changed: ${imageChanged}. Config vars: +${added.length} -${removed.length} ~${updated.length}. ` +
      `Rendered manifest changed (noise-filtered): ${renderedChanged}.`,
    image_delta: {
      changed: imageChanged,
      ...(fromImage ? { from: fromImage } : {}),
      ...(toImage ? { to: toImage } : {}),
    },
    config_delta: {
      changed: configChanged,
      ...(fromVarsDigest ? { from: fromVarsDigest } : {}),
      ...(toVarsDigest ? { to: toVarsDigest } : {}),
      ...(added.length > 0 ? { added } : {}),
      ...(removed.length > 0 ? { removed } : {}),
      ...(updated.length > 0 ? { updated } : {}),
    },
    rendered_delta: {
      changed: renderedChanged,
      ...(fromCanon !== undefined ? { from: sha256(fromCanon) } : {}),
      ...(toCanon !== undefined ? { to: sha256(toCanon) } : {}),
    },
  };
}

import { posix } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ProjectSpec } from "../shared/spec-types.js";
import { joinImageRef, parseImageRef } from "./image-ref.js";
import { buildTree } from "./kustomize.js";
import { isYamlMap, parseDocuments, toYaml, toYamlStream, type YamlMap, type YamlValue } from "./yaml.js";

/** The §10.2 render of one environment: single documents and Service-then-Deployment `rendered.yaml`. */
export interface RenderedEnvironment {
  deployment: string;
  service: string;
  rendered: string;
}

/** A manifests tree that cannot be built (missing file, bad YAML, patch without target). */
export class ManifestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ManifestError";
  }
}

// List fields that strategic merge patches merge by key instead of replacing (Kubernetes patchMergeKey).
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  volumes: "name",
  imagePullSecrets: "name",
};

// kustomize's default (legacy) output order, abridged: it is why the Service comes before the Deployment.
const KIND_ORDER = ["Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service", "Deployment"];

function kindRank(resource: YamlMap): number {
  const rank = KIND_ORDER.indexOf(String(resource.kind));
  return rank === -1 ? KIND_ORDER.length : rank;
}

function parseResources(tree: ReadonlyMap<string, string>, path: string): YamlMap[] {
  const text = tree.get(path);
  if (text === undefined) throw new ManifestError(`manifest file not found: ${path}`);
  const resources: YamlMap[] = [];
  for (const doc of parseDocuments(text)) {
    if (doc.error !== undefined) throw new ManifestError(`invalid YAML in ${path}: ${doc.error}`);
    const value = doc.value;
    if (value === null || value === undefined) continue;
    if (!isYamlMap(value)) throw new ManifestError(`${path}: a document is not a mapping`);
    resources.push(value);
  }
  return resources;
}

function parseKustomization(tree: ReadonlyMap<string, string>, dir: string): YamlMap {
  const path = posix.join(dir, "kustomization.yaml");
  const [doc] = parseResources(tree, path);
  if (doc === undefined) throw new ManifestError(`${path} is empty`);
  return doc;
}

function stringList(value: YamlValue | undefined): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function sameObject(a: YamlMap, b: YamlMap): boolean {
  const name = (r: YamlMap) => (isYamlMap(r.metadata) ? r.metadata.name : undefined);
  return a.apiVersion === b.apiVersion && a.kind === b.kind && name(a) === name(b);
}

/** Kubernetes strategic merge of maps: key by key; a `null` in the patch deletes the key. */
function mergeMap(base: YamlMap, patch: YamlMap): YamlMap {
  const merged: YamlMap = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = Object.hasOwn(merged, key) ? mergeValue(merged[key], value, key) : value;
  }
  return merged;
}

/**
 * Strategic merge of one field: maps recurse; keyed lists merge item by item in kustomize's order (the patch's
 * items first, then base items the patch does not name); anything else is replaced.
 */
function mergeValue(base: YamlValue, patch: YamlValue, field: string): YamlValue {
  if (isYamlMap(base) && isYamlMap(patch)) return mergeMap(base, patch);
  const mergeKey = MERGE_KEYS[field];
  if (mergeKey === undefined || !Array.isArray(base) || !Array.isArray(patch)) return patch;
  const sameKey = (a: YamlValue, b: YamlValue) => isYamlMap(a) && isYamlMap(b) && a[mergeKey] === b[mergeKey];
  const fromPatch = patch.map((item) => {
    const old = base.find((candidate) => sameKey(candidate, item));
    return old === undefined ? item : mergeValue(old, item, "");
  });
  const baseOnly = base.filter((old) => !patch.some((item) => sameKey(old, item)));
  return [...fromPatch, ...baseOnly];
}

/** kustomize `images:` semantics: a new tag and/or digest replaces both the old tag and digest. */
function substituteImage(image: string, entry: YamlMap): string {
  const parts = parseImageRef(image);
  const newTag = entry.newTag == null ? "" : String(entry.newTag);
  const digest = entry.digest == null ? "" : String(entry.digest);
  return joinImageRef({
    name: entry.newName == null ? parts.name : String(entry.newName),
    tag: newTag !== "" || digest !== "" ? newTag : parts.tag,
    digest: newTag !== "" || digest !== "" ? digest : parts.digest,
  });
}

/** Substitute matching container images in place (resources are this build's own parsed copies). */
function applyImages(resource: YamlMap, images: YamlMap[]): void {
  const template = isYamlMap(resource.spec) ? resource.spec.template : undefined;
  const podSpec = isYamlMap(template) ? template.spec : undefined;
  if (!isYamlMap(podSpec)) return;
  for (const field of ["initContainers", "containers"]) {
    const containers = podSpec[field];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      if (!isYamlMap(container) || typeof container.image !== "string") continue;
      const image = container.image;
      const entry = images.find((e) => String(e.name) === parseImageRef(image).name);
      if (entry) container.image = substituteImage(image, entry);
    }
  }
}

/** Build a kustomization dir of the tree: resources (files or dirs), then patches, then images. */
function build(tree: ReadonlyMap<string, string>, dir: string): YamlMap[] {
  const k = parseKustomization(tree, dir);
  const resources: YamlMap[] = [];
  for (const entry of stringList(k.resources)) {
    const path = posix.normalize(posix.join(dir, entry));
    const nested = tree.has(posix.join(path, "kustomization.yaml"));
    resources.push(...(nested ? build(tree, path) : parseResources(tree, path)));
  }
  for (const patchRef of Array.isArray(k.patches) ? k.patches : []) {
    if (!isYamlMap(patchRef) || typeof patchRef.path !== "string") continue;
    const patchPath = posix.join(dir, patchRef.path);
    for (const patch of parseResources(tree, patchPath)) {
      const at = resources.findIndex((r) => sameObject(r, patch));
      if (at === -1) throw new ManifestError(`${patchPath}: no resource matches the patch`);
      resources[at] = mergeMap(resources[at], patch);
    }
  }
  const images = (Array.isArray(k.images) ? k.images : []).filter(isYamlMap);
  for (const resource of resources) applyImages(resource, images);
  return resources;
}

/** Render `overlays/<env>` of the tree like `kustomize build overlays/<env>` (SPEC §10.2). */
export function renderOverlay(tree: ReadonlyMap<string, string>, env: string): RenderedEnvironment {
  const dir = `overlays/${env}`;
  if (!tree.has(`${dir}/kustomization.yaml`)) throw new ManifestError(`no overlay for environment "${env}"`);
  const resources = build(tree, dir).sort((a, b) => kindRank(a) - kindRank(b));
  const deployment = resources.find((r) => r.kind === "Deployment");
  const service = resources.find((r) => r.kind === "Service");
  if (!deployment) throw new ManifestError(`${dir}: rendered manifests missing deployment`);
  if (!service) throw new ManifestError(`${dir}: rendered manifests missing service`);
  return {
    deployment: toYaml(deployment),
    service: toYaml(service),
    rendered: toYamlStream(resources),
  };
}

/** Build the tree with `imageRef` as env's image and render that environment. */
export function renderEnvironment(spec: ProjectSpec, env: string, imageRef: string): RenderedEnvironment {
  return renderOverlay(buildTree(spec, { [env]: imageRef }), env);
}

/** The Deployment and Service documents of a rendered.yaml, each trimmed and ending in `\n` (SPEC §7.4). */
export function splitRendered(rendered: string): { deployment?: string; service?: string } {
  const out: { deployment?: string; service?: string } = {};
  for (const doc of parseAllDocuments(rendered)) {
    const value: unknown = doc.errors.length === 0 ? doc.toJS() : undefined;
    if (!isYamlMap(value) || !doc.contents?.range) continue;
    const [start, , end] = doc.contents.range;
    // The document's own text, not a re-serialisation: a full_state rollback restores it byte for byte.
    const text = `${rendered.slice(start, end).trim()}\n`;
    if (value.kind === "Deployment") out.deployment ??= text;
    else if (value.kind === "Service") out.service ??= text;
  }
  return out;
}

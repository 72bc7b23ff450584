import { safeName } from "../shared/ids.js";
import type { ProjectSpec } from "../shared/spec-types.js";
import { splitImageRef } from "./image-ref.js";
import { toYaml, type YamlMap } from "./yaml.js";

/** The manifests repo tree: relative path → file content. */
export type ManifestTree = Map<string, string>;

/** One container env entry of an overlay patch (a type alias, so it is assignable to a YamlMap). */
export type EnvVar = { name: string; value: string };

/** The environment every project has, whether or not the spec lists it. */
export const DEV_ENV = "dev";
/** Image name in the base Deployment; each overlay's `images:` entry replaces it. */
export const BASE_IMAGE = "app-image";
/** Name of the single container, the key the overlay patch merges on. */
export const CONTAINER_NAME = "app";

const KUSTOMIZE_API_VERSION = "kustomize.config.k8s.io/v1beta1";
const ANNOTATION_PREFIX = "platform.example.com/";
const CONTAINER_PORT = 8080;

type Spec = Pick<ProjectSpec, "name" | "environments">;

/** The marker of an environment nothing was delivered to yet: `local/<safeName>:latest`. */
export function placeholderImage(spec: Pick<ProjectSpec, "name">): string {
  return `local/${safeName(spec.name)}:latest`;
}

function environmentRank(env: string): number {
  if (env === DEV_ENV) return 10;
  if (env === "staging") return 40;
  if (env === "prod" || env === "production") return 90;
  return 50;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `dev` ∪ spec environments, in delivery order: dev, staging, others, production; ties by name (SPEC §11.1). */
export function environmentsOf(spec: Pick<ProjectSpec, "environments">): string[] {
  const envs = new Set([DEV_ENV, ...Object.keys(spec.environments)]);
  return [...envs].sort((a, b) => environmentRank(a) - environmentRank(b) || byteCompare(a, b));
}

/** Overlay environments in `existing` that are no longer in environmentsOf(spec): their dirs are removed. */
export function staleOverlays(spec: Pick<ProjectSpec, "environments">, existing: Iterable<string>): string[] {
  const current = new Set(environmentsOf(spec));
  return [...new Set(existing)].filter((env) => !current.has(env)).sort(byteCompare);
}

/**
 * The env list of an overlay patch, sorted by name: the environment's vars; for an environment missing from
 * the spec those of `dev`, else of the alphabetically first environment; none → `PLATFORM_ENVIRONMENT=<env>`.
 */
export function overlayVars(spec: Pick<ProjectSpec, "environments">, env: string): EnvVar[] {
  const envs = spec.environments;
  const source = Object.hasOwn(envs, env)
    ? envs[env]
    : Object.hasOwn(envs, DEV_ENV)
      ? envs[DEV_ENV]
      : envs[Object.keys(envs).sort(byteCompare)[0]];
  const vars = Object.entries(source?.vars ?? {})
    .sort(([a], [b]) => byteCompare(a, b))
    .map(([name, value]) => ({ name, value }));
  return vars.length > 0 ? vars : [{ name: "PLATFORM_ENVIRONMENT", value: env }];
}

function kustomization(body: YamlMap): string {
  return toYaml({ apiVersion: KUSTOMIZE_API_VERSION, kind: "Kustomization", ...body });
}

function baseDeployment(spec: ProjectSpec): string {
  const n = safeName(spec.name);
  return toYaml({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: n },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: n } },
      template: {
        metadata: {
          labels: { app: n },
          annotations: {
            [`${ANNOTATION_PREFIX}ingress`]: spec.networkPolicies.ingress,
            [`${ANNOTATION_PREFIX}egress`]: spec.networkPolicies.egress,
          },
        },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: BASE_IMAGE,
              imagePullPolicy: "IfNotPresent",
              ports: [{ containerPort: CONTAINER_PORT }],
            },
          ],
        },
      },
    },
  });
}

function baseService(spec: ProjectSpec): string {
  const n = safeName(spec.name);
  return toYaml({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: n },
    spec: {
      selector: { app: n },
      ports: [{ name: "http", port: 80, targetPort: CONTAINER_PORT }],
    },
  });
}

function overlayKustomization(imageRef: string): string {
  const { name, tag, digest } = splitImageRef(imageRef);
  const image: YamlMap = { name: BASE_IMAGE, newName: name, newTag: tag };
  if (digest !== undefined) image.digest = digest;
  return kustomization({
    resources: ["../../base"],
    patches: [{ path: "deployment-patch.yaml" }],
    images: [image],
  });
}

function deploymentPatch(spec: Spec, env: string): string {
  return toYaml({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: safeName(spec.name) },
    spec: {
      template: {
        metadata: { annotations: { [`${ANNOTATION_PREFIX}environment`]: env } },
        spec: {
          containers: [{ name: CONTAINER_NAME, env: overlayVars(spec, env) }],
        },
      },
    },
  });
}

/**
 * The kustomize tree of the manifests repo for every environment (SPEC §10.1), paths in byte order.
 * `markers` gives each environment's image reference; environments without one get placeholderImage(spec).
 */
export function buildTree(spec: ProjectSpec, markers: Readonly<Record<string, string>>): ManifestTree {
  const files: [string, string][] = [
    ["kustomization.yaml", kustomization({ resources: [`overlays/${DEV_ENV}`] })],
    ["base/deployment.yaml", baseDeployment(spec)],
    ["base/kustomization.yaml", kustomization({ resources: ["deployment.yaml", "service.yaml"] })],
    ["base/service.yaml", baseService(spec)],
  ];
  for (const env of environmentsOf(spec)) {
    const marker = Object.hasOwn(markers, env) ? markers[env].trim() : "";
    const imageRef = marker === "" ? placeholderImage(spec) : marker;
    files.push(
      [`overlays/${env}/deployment-patch.yaml`, deploymentPatch(spec, env)],
      [`overlays/${env}/image.txt`, `${imageRef}\n`],
      [`overlays/${env}/kustomization.yaml`, overlayKustomization(imageRef)],
    );
  }
  return new Map(files.sort(([a], [b]) => byteCompare(a, b)));
}

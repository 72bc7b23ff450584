import type { Operation, Project } from "../store/index.js";
import { isProduction, resolveEnvironment } from "../../workers/shared/environments.js";
import type { ProjectSpec } from "../../workers/shared/spec-types.js";
import { safeName } from "../../workers/shared/ids.js";
import { imageLineOf } from "../../workers/manifest-renderer/index.js";
import { buildImageOf, byteCompare, readListed, type ArtifactSource } from "./artifact-source.js";

/** Where an environment's image was found (SPEC §11.1), in precedence order. */
export type ImageSource = "environment marker" | "deployment manifest" | "latest build";

/** How an environment was last delivered (SPEC §11.1). */
export type DeliveryType = "deploy" | "promote" | "release";

/** One environment of the journey (SPEC §11.2); keys are created in this order. */
export interface EnvironmentState {
  name: string;
  state: "live" | "pending";
  image?: string;
  image_source?: ImageSource;
  delivery_type?: DeliveryType;
  delivery_path?: string;
  detail: string;
}

/** Input of `environmentStates`: the project and its artifact listing + reader. */
export interface EnvironmentStatesInput extends ArtifactSource {
  project: Pick<Project, "spec">;
}

// Environment resolution is shared with the promoter steps (workers/shared/environments.ts).
export { isProduction, resolveEnvironment };

function rank(env: string): number {
  if (env === "dev") return 10;
  if (env === "staging") return 40;
  if (isProduction(env)) return 90;
  return 50;
}

/**
 * SPEC §11.1 order: `dev`, then the spec's environments lower-cased (duplicates dropped), ranked dev (10) < staging
 * (40) < others (50) < production (90), ties by name in byte order.
 */
export function orderedEnvironments(spec: Pick<ProjectSpec, "environments">): string[] {
  const names = new Set<string>(["dev"]);
  for (const k of Object.keys(spec.environments)) names.add(k.toLowerCase());
  return [...names].sort((a, b) => rank(a) - rank(b) || byteCompare(a, b));
}

/** The environment an op delivers (SPEC §11.1): dev for deploy/create/update/ci, to_env for promote/release, the
 * environment for rollback; undefined for delete or when the op carries no target. */
export function deliveredEnvironment(op: Pick<Operation, "kind" | "delivery">): string | undefined {
  let env: string | undefined;
  switch (op.kind) {
    case "deploy":
    case "create":
    case "update":
    case "ci":
      env = "dev";
      break;
    case "promote":
    case "release":
      env = op.delivery?.to_env;
      break;
    case "rollback":
      env = op.delivery?.environment;
      break;
    default:
      env = undefined;
  }
  const n = env?.trim().toLowerCase();
  return n ? n : undefined;
}

/** Whether op delivers environment env (SPEC §11.1 last bullet). */
export function delivers(op: Pick<Operation, "kind" | "delivery">, env: string): boolean {
  return deliveredEnvironment(op) === env.trim().toLowerCase();
}

const DETAIL_DEPLOYED = "Deployment manifest is rendered for this environment.";
const DETAIL_PENDING = "Not delivered yet.";

/**
 * Per-environment image and delivery state (SPEC §11.1), in `orderedEnvironments` order. Files exist only when
 * listed; a listed file the reader cannot read counts as absent.
 */
export async function environmentStates(input: EnvironmentStatesInput): Promise<EnvironmentState[]> {
  const placeholder = `local/${safeName(input.project.spec.name)}:latest`;
  const out: EnvironmentState[] = [];
  for (const name of orderedEnvironments(input.project.spec)) {
    const image = await imageOf(input, name, placeholder);
    const delivery = deliveryOf(input.files, name);
    out.push({
      name,
      state: delivery ? "live" : "pending",
      ...(image ? { image: image.image, image_source: image.source } : {}),
      ...(delivery ? { delivery_type: delivery.type, delivery_path: delivery.path } : {}),
      detail: delivery ? delivery.detail : DETAIL_PENDING,
    });
  }
  return out;
}

async function imageOf(
  src: ArtifactSource,
  env: string,
  placeholder: string,
): Promise<{ image: string; source: ImageSource } | undefined> {
  const marker = (await readListed(src, `repos/manifests/overlays/${env}/image.txt`))?.trim();
  if (marker && marker !== placeholder) return { image: marker, source: "environment marker" };
  const deployed = imageLineOf((await readListed(src, `deploy/${env}/deployment.yaml`)) ?? "");
  if (deployed) return { image: deployed, source: "deployment manifest" };
  if (env === "dev") {
    const built = await buildImageOf(src);
    if (built) return { image: built, source: "latest build" };
  }
  return undefined;
}

function deliveryOf(
  files: readonly string[],
  env: string,
): { type: DeliveryType; path: string; detail: string } | undefined {
  const deployed = `deploy/${env}/rendered.yaml`;
  if (files.includes(deployed)) return { type: "deploy", path: deployed, detail: DETAIL_DEPLOYED };
  let found: { type: DeliveryType; path: string; detail: string } | undefined;
  const suffix = `-to-${env}`;
  for (const path of files) {
    const segs = path.split("/");
    if (segs.length !== 3 || segs[2] !== "rendered.yaml") continue;
    if (segs[0] !== "promotions" && segs[0] !== "releases") continue;
    const dir = segs[1];
    if (!dir.endsWith(suffix) || dir.length === suffix.length) continue;
    const from = dir.slice(0, -suffix.length);
    // The listing is byte-sorted, so the last match wins (a release over a promotion into the same env).
    found =
      segs[0] === "promotions"
        ? { type: "promote", path, detail: `Promoted from ${from}.` }
        : { type: "release", path, detail: `Released from ${from}.` };
  }
  return found;
}

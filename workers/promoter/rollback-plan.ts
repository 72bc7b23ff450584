import type { ReleaseRecord, ReleaseSink } from "../types.js";
import type { ProjectSpec } from "../shared/spec-types.js";
import { resolveEnvironment } from "../shared/environments.js";
import { configSnapshotPath, deploymentVars, kindsOf, readArtifact, releaseImage } from "./snapshots.js";

export const ROLLBACK_SCOPES = ["code_only", "code_and_config", "full_state"] as const;
export type RollbackScope = (typeof ROLLBACK_SCOPES)[number];

export interface RollbackRequest {
  environment?: string;
  release_id?: string;
  scope?: string;
  override?: boolean;
}

export interface RollbackPlan {
  env: string;
  scope: RollbackScope;
  release: ReleaseRecord;
  image: string;
  /** The spec after the rollback: for code_and_config/full_state the env's vars come from the snapshot. */
  workingSpec: ProjectSpec;
  /** full_state: the release's rendered snapshot, copied byte for byte. */
  rendered?: string;
}

export type RollbackPlanResult = { ok: true; plan: RollbackPlan } | { ok: false; error: string };

/** SPEC §7.4 plan: every check with its exact message; reads snapshots, writes nothing. */
export async function planRollback(
  a: { projectId: string; projectDir: string; spec: ProjectSpec; releases: Pick<ReleaseSink, "get"> },
  req: RollbackRequest,
): Promise<RollbackPlanResult> {
  const fail = (error: string): RollbackPlanResult => ({ ok: false, error });
  const scope = (req.scope ?? "").trim();
  if (!(ROLLBACK_SCOPES as readonly string[]).includes(scope)) {
    return fail('rollback scope must be one of "code_only", "code_and_config", "full_state"');
  }
  const rawEnv = (req.environment ?? "").trim();
  if (rawEnv === "") return fail("rollback environment is required");
  const env = resolveEnvironment(a.spec, rawEnv);
  if (!env) return fail(`rollback environment "${rawEnv.toLowerCase()}" is not defined for project`);
  const releaseId = (req.release_id ?? "").trim();
  if (releaseId === "") return fail("rollback release is required");
  const release = /^[0-9a-f]{32}$/.test(releaseId) ? await a.releases.get(releaseId) : null;
  if (!release) return fail(`rollback release "${releaseId}" not found`);
  if (release.project_id !== a.projectId) return fail("rollback release does not belong to project");
  if (release.environment !== env)
    return fail(`rollback release environment "${release.environment}" does not match target "${env}"`);
  if (release.rollback_safe === false && !req.override)
    return fail("rollback blocked: selected release is marked rollback_safe=false");
  const image = await releaseImage(a.projectDir, release);
  if (!image) return fail("rollback release has no image snapshot");

  const workingSpec: ProjectSpec = structuredClone(a.spec);
  let rendered: string | undefined;
  if (scope !== "code_only") {
    const config = await readArtifact(a.projectDir, configSnapshotPath(release));
    if (config === null) return fail("rollback config snapshot is required for selected scope");
    // valueFrom entries cannot be expressed as spec vars; they are left out of the restored set.
    const vars = Object.fromEntries(Object.entries(deploymentVars(config)).filter(([, v]) => v !== "<valueFrom>"));
    workingSpec.environments = { ...workingSpec.environments, [env]: { vars } };
  }
  if (scope === "full_state") {
    const r = await readArtifact(a.projectDir, release.rendered_path);
    if (r === null) return fail("rollback rendered snapshot is missing");
    const kinds = kindsOf(r);
    if (!kinds.includes("Deployment")) return fail("rendered manifests missing deployment");
    if (!kinds.includes("Service")) return fail("rendered manifests missing service");
    rendered = r;
  }
  return { ok: true, plan: { env, scope: scope as RollbackScope, release, image, workingSpec, rendered } };
}

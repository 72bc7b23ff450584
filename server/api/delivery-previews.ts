import type { Project, Stores } from "../store/index.js";
import type { ReleaseRecord } from "../../workers/types.js";
import {
  ENV_NAME_PATTERN,
  isProduction,
  resolveEnvironment,
  validateTransition,
} from "../../workers/shared/environments.js";
import { imageLineOf } from "../../workers/manifest-renderer/index.js";
import { readArtifact, releaseImage, ROLLBACK_SCOPES, sourceImage } from "../../workers/promoter/index.js";
import { compareReleases } from "../read-models/index.js";
import { join } from "node:path";

export interface Blocker {
  code: string;
  message: string;
  why: string;
  next_action: string;
}
export interface Gate {
  code: string;
  title: string;
  status: "passed" | "blocked" | "warning";
  detail: string;
}
export interface PreviewRelease {
  id: string;
  environment: string;
  image?: string;
  op_kind?: string;
  delivery_stage?: string;
  created_at: string;
}

/** Blockers in first-insertion order, one per code; a later one replaces the text but keeps the place (SPEC §7.5). */
class Blockers {
  private readonly map = new Map<string, Blocker>();
  add(b: Blocker): void {
    this.map.set(b.code, b);
  }
  has(code: string): boolean {
    return this.map.has(code);
  }
  list(): Blocker[] {
    return [...this.map.values()];
  }
}

export function previewRelease(r: ReleaseRecord): PreviewRelease {
  return {
    id: r.id,
    environment: r.environment,
    ...(r.image ? { image: r.image } : {}),
    ...(r.op_kind ? { op_kind: r.op_kind } : {}),
    ...(r.delivery_stage ? { delivery_stage: r.delivery_stage } : {}),
    created_at: r.created_at,
  };
}

/** The active-op reason of SPEC §4.0.1, or null when the project has no queued/running op. */
export async function activeReason(stores: Stores, project: Project): Promise<string | null> {
  const id = project.status.last_op_id;
  if (!id) return null;
  const op = (await stores.ops.get(id))?.value;
  if (!op || (op.status !== "queued" && op.status !== "running")) return null;
  return `project already has an active operation (${op.kind} ${op.id}, status ${op.status}); wait for it to finish and retry`;
}

const ACTIVE_BLOCKER = (why: string, nextAction: string): Blocker => ({
  code: "active_operation",
  message: "Project has an active operation.",
  why,
  next_action: nextAction,
});

/** `POST /api/events/promotion/preview` body (SPEC §7.5.1). */
export async function promotionPreview(
  d: { stores: Stores; artifactsRoot: string },
  project: Project,
  rawFrom: string | undefined,
  rawTo: string | undefined,
): Promise<Record<string, unknown>> {
  const spec = project.spec;
  const projectDir = join(d.artifactsRoot, project.id);
  const to = (rawTo ?? "").trim().toLowerCase();
  let action: "promote" | "release" = isProduction(to) ? "release" : "promote";
  const blockers = new Blockers();
  const active = await activeReason(d.stores, project);
  if (active)
    blockers.add(ACTIVE_BLOCKER(active, "Wait for the active operation to reach done or error, then retry preview."));
  if (to !== "" && ENV_NAME_PATTERN.test(to) && !resolveEnvironment(spec, to)) {
    blockers.add({
      code: "target_unavailable",
      message: `Target environment "${to}" is unavailable for this project.`,
      why: "Promotion targets must map to a configured project environment.",
      next_action: "Choose a configured target environment and retry preview.",
    });
  }
  const t = validateTransition(spec, rawFrom, rawTo);
  let source: ReleaseRecord | null = null;
  let target: ReleaseRecord | null = null;
  if (!t.ok) {
    blockers.add({
      code: "invalid_transition",
      message: "Transition request is invalid.",
      why: t.error.message,
      next_action: "Provide valid, different source/target environments and retry preview.",
    });
  } else {
    action = isProduction(t.to) ? "release" : "promote";
    source = await d.stores.releases.current(project.id, t.from);
    target = await d.stores.releases.current(project.id, t.to);
    if (!source) {
      blockers.add({
        code: "source_not_delivered",
        message: `Source environment "${t.from}" has no delivered release.`,
        why: "Promotions and releases require a delivered source to copy forward.",
        next_action: `Deliver or promote into "${t.from}" first, then retry preview.`,
      });
    }
    if (!imageLineOf((await readArtifact(projectDir, `deploy/${t.from}/deployment.yaml`)) ?? "")) {
      blockers.add({
        code: "source_missing_image",
        message: `Source environment "${t.from}" has no rendered image.`,
        why: "Transition rendering requires a concrete source image tag.",
        next_action: `Deliver "${t.from}" first so rendered manifests include an image.`,
      });
    }
  }
  const list = blockers.list();
  let changeSummary: string;
  if (list.length > 0 || !t.ok) {
    changeSummary = `Preview is blocked by ${list.length} blocker(s). Resolve blockers before confirming the transition.`;
  } else {
    const src = await sourceImage(projectDir, spec, t.from);
    const tgt =
      imageLineOf((await readArtifact(projectDir, `deploy/${t.to}/deployment.yaml`)) ?? "") ??
      target?.image ??
      "not currently deployed";
    changeSummary = `${action === "release" ? "Release" : "Promote"} image "${src}" from ${t.from} to ${t.to} (target currently "${tgt}").`;
  }
  const gate = (code: string, title: string, detail: string): Gate => ({
    code,
    title,
    status: blockers.has(code) ? "blocked" : "passed",
    detail,
  });
  const targetGate: Gate = blockers.has("target_unavailable")
    ? {
        code: "target_unavailable",
        title: "Target environment is available",
        status: "blocked",
        detail: "Target environment is not configured for this project.",
      }
    : !target
      ? {
          code: "target_unavailable",
          title: "Target environment is available",
          status: "warning",
          detail: "Target environment has no current release record yet.",
        }
      : {
          code: "target_unavailable",
          title: "Target environment is available",
          status: "passed",
          detail: "Target environment is available for this project.",
        };
  return {
    action,
    ...(source ? { source_release: previewRelease(source) } : {}),
    ...(target ? { target_release: previewRelease(target) } : {}),
    change_summary: changeSummary,
    gates: [
      gate(
        "active_operation",
        "No active operation in progress",
        "Transitions should start only when the project has no queued or running operation.",
      ),
      gate(
        "invalid_transition",
        "Transition request is valid",
        "Source and target environments must both be defined and must differ.",
      ),
      gate(
        "source_not_delivered",
        "Source environment has delivered release evidence",
        "Source environment should have a current release record before moving forward.",
      ),
      gate(
        "source_missing_image",
        "Source environment has a rendered image",
        "Rendered source manifests must include an image tag for promotion or release.",
      ),
      targetGate,
    ],
    blockers: list,
    rollout_plan: ["promoter.plan", "promoter.render", "promoter.commit", "promoter.finalize"],
  };
}

export interface RollbackBody {
  environment?: string;
  release_id?: string;
  scope?: string;
  override?: boolean;
}

/** `POST /api/events/rollback/preview` body (SPEC §7.5.2); `ready` decides whether a rollback may run. */
export async function rollbackPreview(
  d: { stores: Stores; artifactsRoot: string },
  project: Project,
  body: RollbackBody,
): Promise<{
  preview: Record<string, unknown>;
  ready: boolean;
  blockers: Blocker[];
  env: string;
  releaseId: string;
  scope: string;
}> {
  const projectDir = join(d.artifactsRoot, project.id);
  const rawScope = (body.scope ?? "").trim();
  const scope = (ROLLBACK_SCOPES as readonly string[]).includes(rawScope) ? rawScope : "";
  const rawEnv = (body.environment ?? "").trim();
  const env = resolveEnvironment(project.spec, rawEnv) ?? "";
  const releaseId = (body.release_id ?? "").trim();
  const override = body.override === true;
  const blockers = new Blockers();
  if (!scope) {
    blockers.add({
      code: "rollback_scope_invalid",
      message: "Rollback scope is invalid.",
      why: 'scope must be one of "code_only", "code_and_config", "full_state"',
      next_action: "Choose a valid rollback scope and retry preview.",
    });
  }
  if (!env) {
    blockers.add({
      code: "rollback_environment_unavailable",
      message: "Rollback environment is unavailable for this project.",
      why: `environment "${rawEnv}" is not defined for project`,
      next_action: "Choose a configured environment and retry preview.",
    });
  }
  const active = await activeReason(d.stores, project);
  if (active)
    blockers.add(ACTIVE_BLOCKER(active, "Wait for the active operation to reach done or error, then retry preview."));
  let release: ReleaseRecord | null = null;
  if (releaseId === "") {
    blockers.add({
      code: "release_unavailable",
      message: "Rollback release is required.",
      why: "rollback release_id was not provided.",
      next_action: "Choose a release from the timeline and retry preview.",
    });
  } else {
    const found = /^[0-9a-f]{32}$/.test(releaseId) ? await d.stores.releases.get(releaseId) : null;
    if (!found) {
      blockers.add({
        code: "release_unavailable",
        message: "Rollback release could not be found.",
        why: `release "${releaseId}" does not exist`,
        next_action: "Choose a different release and retry preview.",
      });
    } else if (found.project_id !== project.id) {
      blockers.add({
        code: "release_unavailable",
        message: "Rollback release does not belong to this project.",
        why: "release ownership mismatch.",
        next_action: "Choose a release from this project timeline.",
      });
    } else {
      release = found;
    }
  }
  if (release) {
    if (env && release.environment !== env) {
      blockers.add({
        code: "rollback_environment_unavailable",
        message: "Rollback release does not match target environment.",
        why: `release environment "${release.environment}" does not match target "${env}"`,
        next_action: "Select a release from the same environment you are rolling back.",
      });
    }
    if (!(await releaseImage(projectDir, release))) {
      blockers.add({
        code: "rollback_release_missing_image",
        message: "Rollback release has no image snapshot.",
        why: "The selected release does not expose an image in stored metadata or artifacts.",
        next_action: "Choose a release with image evidence or deliver a new release before rollback.",
      });
    }
    if (
      (scope === "code_and_config" || scope === "full_state") &&
      (await readArtifact(projectDir, release.config_path)) === null
    ) {
      blockers.add({
        code: "rollback_scope_config_missing",
        message: "Rollback config snapshot is missing.",
        why: "code_and_config/full_state scopes require a deployment snapshot for environment variables.",
        next_action: "Choose a release with deployment snapshot artifacts.",
      });
    }
    if (scope === "full_state" && (await readArtifact(projectDir, release.rendered_path)) === null) {
      blockers.add({
        code: "rollback_scope_rendered_missing",
        message: "Rollback rendered snapshot is missing.",
        why: "full_state scope requires a rendered manifest snapshot.",
        next_action: "Choose a release with rendered.yaml artifacts.",
      });
    }
    if (release.rollback_safe === false && !override) {
      blockers.add({
        code: "rollback_not_safe",
        message: "Release is marked as rollback-unsafe.",
        why: "rollback_safe=false in release metadata.",
        next_action: "Set override=true to proceed intentionally, or choose a rollback-safe release.",
      });
    }
  }
  const current = env ? await d.stores.releases.current(project.id, env) : null;
  const compare =
    current && release
      ? await compareReleases({ from: current, to: release, read: (p: string) => readArtifact(projectDir, p) })
      : undefined;
  const gate = (code: string, title: string, detail: string): Gate => ({
    code,
    title,
    status: blockers.has(code) ? "blocked" : "passed",
    detail,
  });
  const list = blockers.list();
  const preview = {
    project_id: project.id,
    environment: env,
    release_id: releaseId,
    scope,
    ...(override ? { override: true } : {}),
    ready: list.length === 0,
    ...(release ? { source_release: previewRelease(release) } : {}),
    ...(current ? { current_release: previewRelease(current) } : {}),
    ...(compare ? { compare } : {}),
    gates: [
      gate(
        "active_operation",
        "No active operation in progress",
        "Rollback starts only when the project has no queued or running operation.",
      ),
      gate(
        "rollback_scope_invalid",
        "Rollback scope is valid",
        "Scope must be code_only, code_and_config, or full_state.",
      ),
      gate(
        "release_unavailable",
        "Rollback release is available",
        "Selected release must exist and belong to the project.",
      ),
      gate(
        "rollback_release_missing_image",
        "Rollback release has image evidence",
        "Rollback requires a concrete image tag from release metadata or deployment snapshot.",
      ),
      gate(
        "rollback_not_safe",
        "Rollback safety metadata allows execution",
        "rollback_safe=false requires override=true at execution time.",
      ),
    ],
    blockers: list,
  };
  return { preview, ready: list.length === 0, blockers: list, env, releaseId, scope };
}

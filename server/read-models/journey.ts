import type { Operation, Project } from "../store/index.js";
import { buildImageOf, type ArtifactSource } from "./artifact-source.js";
import { delivers, environmentStates, isProduction, type EnvironmentState } from "./environments.js";

export type MilestoneStatus = "complete" | "in_progress" | "pending" | "blocked" | "failed";

/** One journey milestone (SPEC §11.2). */
export interface Milestone {
  id: string;
  title: string;
  status: MilestoneStatus;
  detail: string;
}

export type NextActionKind = "investigate" | "build" | "deploy_dev" | "promote" | "release" | "none";

/** What the user should do next (SPEC §11.2); keys are created in this order. */
export interface NextAction {
  kind: NextActionKind;
  label: string;
  detail: string;
  environment?: string;
  from_env?: string;
  to_env?: string;
}

/** Artifact counts by first path segment (SPEC §11.2). */
export interface ArtifactStats {
  total: number;
  build: number;
  deploy: number;
  promotion: number;
  release: number;
  history: number;
  repository: number;
  registration: number;
  other: number;
}

/** The journey read model (SPEC §11.2); keys are created in this order. */
export interface Journey {
  summary: string;
  milestones: Milestone[];
  environments: EnvironmentState[];
  next_action: NextAction;
  artifact_stats: ArtifactStats;
  recent_operation?: Operation;
  last_update_time: string;
}

/** Input of `buildJourney`. `lastOp` is the op of `project.status.last_op_id` (ignored when its id differs);
 * `now` is the RFC 3339 time to report as `last_update_time`. */
export interface JourneyInput extends ArtifactSource {
  project: Project;
  lastOp?: Operation;
  now: string;
}

/** The project's status message when it has one (Error phase texts fall back to fixed defaults). */
function statusMessage(project: Pick<Project, "status">): string | undefined {
  const m = project.status.message;
  return m !== undefined && m.trim() !== "" ? m : undefined;
}

/** The op of `status.last_op_id` as the API shows it (SPEC §3.3 key order, no stored-only `input`), if given. */
export function recentOperation(project: Pick<Project, "status">, lastOp?: Operation): Operation | undefined {
  if (!lastOp || project.status.last_op_id === "" || lastOp.id !== project.status.last_op_id) return undefined;
  return operationView(lastOp);
}

/** Copy an op with exactly the API fields in SPEC §3.3 order — a stored op's `input` (which holds the spec and its
 * env var values) never leaks into a read model. */
export function operationView(op: Operation): Operation {
  const out: Operation = {
    id: op.id,
    kind: op.kind,
    project_id: op.project_id,
    ...(op.delivery ? { delivery: deliveryView(op.delivery) } : {}),
    requested: op.requested,
    finished: op.finished,
    status: op.status,
    ...(op.error !== undefined ? { error: op.error } : {}),
    steps: op.steps.map((s) => ({
      worker: s.worker,
      started_at: s.started_at,
      ended_at: s.ended_at,
      ...(s.message !== undefined ? { message: s.message } : {}),
      ...(s.error !== undefined ? { error: s.error } : {}),
      ...(s.artifacts !== undefined ? { artifacts: [...s.artifacts] } : {}),
    })),
  };
  return out;
}

function deliveryView(d: NonNullable<Operation["delivery"]>): NonNullable<Operation["delivery"]> {
  return {
    ...(d.stage !== undefined ? { stage: d.stage } : {}),
    ...(d.environment !== undefined ? { environment: d.environment } : {}),
    ...(d.from_env !== undefined ? { from_env: d.from_env } : {}),
    ...(d.to_env !== undefined ? { to_env: d.to_env } : {}),
  };
}

/** The last op as far as "delivers" is concerned: the given op when it is the last one, else just the last kind. */
function lastDeliveryOp(
  project: Pick<Project, "status">,
  lastOp?: Operation,
): Pick<Operation, "kind" | "delivery"> | undefined {
  const op = recentOperation(project, lastOp);
  if (op) return op;
  const kind = project.status.last_op_kind;
  return kind ? { kind: kind as Operation["kind"] } : undefined;
}

/** SPEC §11.2 summary (shared by the overview, §11.3). */
export function journeySummary(
  project: Pick<Project, "status">,
  buildImage: string | undefined,
  envs: readonly Pick<EnvironmentState, "state">[],
): string {
  if (project.status.phase === "Error") return statusMessage(project) ?? "Delivery needs attention.";
  if (!buildImage) return "App is created. Build output is still pending.";
  const live = envs.filter((e) => e.state === "live").length;
  if (live === 0) return "Build is available. No environments have delivery evidence yet.";
  if (live < envs.length) return `Delivery is underway: ${live} of ${envs.length} environments are live.`;
  return "All configured environments have delivery evidence.";
}

/** SPEC §11.2 milestones: registered, build, then one per environment in order. */
export function journeyMilestones(
  project: Pick<Project, "spec" | "status">,
  buildImage: string | undefined,
  envs: readonly EnvironmentState[],
  lastOp?: Operation,
): Milestone[] {
  const { phase, last_op_kind } = project.status;
  const message = statusMessage(project);
  const out: Milestone[] = [
    {
      id: "registered",
      title: "App created",
      status: "complete",
      detail: `App "${project.spec.name}" is available in your workspace.`,
    },
  ];
  let build: Pick<Milestone, "status" | "detail">;
  if (buildImage) build = { status: "complete", detail: `Latest build image: ${buildImage}.` };
  else if (phase === "Reconciling" && ["create", "update", "ci"].includes(last_op_kind))
    build = { status: "in_progress", detail: "Build is currently in progress." };
  else if (phase === "Error") build = { status: "failed", detail: message ?? "Build stage needs attention." };
  else build = { status: "pending", detail: "No build image yet." };
  out.push({ id: "build", title: "Build available", ...build });

  const op = lastDeliveryOp(project, lastOp);
  let upstreamPending = false;
  for (const env of envs) {
    let m: Pick<Milestone, "status" | "detail">;
    if (env.state === "live") m = { status: "complete", detail: env.detail };
    else if (upstreamPending) m = { status: "blocked", detail: "Waiting for upstream environment delivery first." };
    else if (phase === "Reconciling" && op && delivers(op, env.name))
      m = { status: "in_progress", detail: "Delivery for this environment is in progress." };
    else if (phase === "Error") m = { status: "failed", detail: message ?? "Delivery failed for this environment." };
    else m = { status: "pending", detail: env.detail };
    out.push({ id: `env-${env.name}`, title: `${env.name.toUpperCase()} live`, ...m });
    if (env.state !== "live") upstreamPending = true;
  }
  return out;
}

/** SPEC §11.2 next action. */
export function nextAction(
  project: Pick<Project, "status">,
  buildImage: string | undefined,
  envs: readonly Pick<EnvironmentState, "name" | "state">[],
): NextAction {
  if (project.status.phase === "Error") {
    return {
      kind: "investigate",
      label: "Review failing activity",
      detail: statusMessage(project) ?? "Open the latest activity details, then retry the step.",
    };
  }
  if (!buildImage) {
    return {
      kind: "build",
      label: "Run a source build",
      detail: "Trigger a source change build so delivery has an image to ship.",
    };
  }
  const devAt = envs.findIndex((e) => e.name === "dev");
  if (devAt < 0 || envs[devAt].state !== "live") {
    return {
      kind: "deploy_dev",
      label: "Deploy to dev",
      detail: "Ship the latest build to the dev environment.",
      environment: "dev",
    };
  }
  for (let i = devAt + 1; i < envs.length; i++) {
    const t = envs[i];
    if (t.state === "live") continue;
    const s = envs[i - 1];
    if (s.state !== "live") {
      return {
        kind: "none",
        label: "Wait for upstream delivery",
        detail: `Deliver ${s.name} before moving to ${t.name}.`,
      };
    }
    if (isProduction(t.name)) {
      return {
        kind: "release",
        label: "Release to production",
        detail: `Promote verified image from ${s.name} to ${t.name}.`,
        from_env: s.name,
        to_env: t.name,
      };
    }
    return {
      kind: "promote",
      label: `Promote to ${t.name}`,
      detail: `Move tested image from ${s.name} to ${t.name}.`,
      from_env: s.name,
      to_env: t.name,
    };
  }
  return {
    kind: "none",
    label: "Journey is up to date",
    detail: "All configured environments have delivery evidence.",
  };
}

/** SPEC §11.2 artifact_stats: counts by first path segment. */
export function artifactStats(files: readonly string[]): ArtifactStats {
  const stats: ArtifactStats = {
    total: files.length,
    build: 0,
    deploy: 0,
    promotion: 0,
    release: 0,
    history: 0,
    repository: 0,
    registration: 0,
    other: 0,
  };
  for (const f of files) {
    const slash = f.indexOf("/");
    const first = slash < 0 ? "" : f.slice(0, slash);
    switch (first) {
      case "build":
        stats.build++;
        break;
      case "deploy":
        stats.deploy++;
        break;
      case "promotions":
        stats.promotion++;
        break;
      case "releases":
        stats.release++;
        break;
      case "history":
        stats.history++;
        break;
      case "repos":
        stats.repository++;
        break;
      case "registration":
        stats.registration++;
        break;
      default:
        stats.other++;
    }
  }
  return stats;
}

/** The journey read model of a project (SPEC §11.2); pure apart from the reads through `input.read`. */
export async function buildJourney(input: JourneyInput): Promise<Journey> {
  const { project, lastOp, now } = input;
  const envs = await environmentStates(input);
  const buildImage = await buildImageOf(input);
  const recent = recentOperation(project, lastOp);
  return {
    summary: journeySummary(project, buildImage, envs),
    milestones: journeyMilestones(project, buildImage, envs, lastOp),
    environments: envs,
    next_action: nextAction(project, buildImage, envs),
    artifact_stats: artifactStats(input.files),
    ...(recent ? { recent_operation: recent } : {}),
    last_update_time: now,
  };
}

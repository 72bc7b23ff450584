import type { Operation, Project } from "../store/index.js";
import { ZERO_TIME } from "../../workers/shared/ids.js";
import { buildImageOf, type ArtifactSource } from "./artifact-source.js";
import { delivers, environmentStates, type DeliveryType, type EnvironmentState } from "./environments.js";
import { journeySummary, recentOperation } from "./journey.js";

export type HealthStatus = "failing" | "degraded" | "healthy" | "unknown";

/** One environment of the overview (SPEC §11.3); keys are created in this order. */
export interface OverviewEnvironment {
  name: string;
  health_status: HealthStatus;
  delivery_state: EnvironmentState["state"];
  running_image?: string;
  delivery_type: DeliveryType | "none";
  delivery_path?: string;
  config_readiness: "ok" | "unknown";
  secrets_readiness: "unsupported";
  last_delivery_at?: string;
}

/** The overview read model (SPEC §11.3). */
export interface Overview {
  summary: string;
  environments: OverviewEnvironment[];
}

/** Input of `buildOverview`. `lastOp` is the op of `project.status.last_op_id` (ignored when its id differs). */
export interface OverviewInput extends ArtifactSource {
  project: Project;
  lastOp?: Operation;
}

/** SPEC §11.3 per-environment view of the journey's environment states. */
export function overviewEnvironments(
  project: Pick<Project, "status">,
  envs: readonly EnvironmentState[],
  lastOp?: Operation,
): OverviewEnvironment[] {
  const { phase } = project.status;
  const op = recentOperation(project, lastOp);
  let deliveredAt: string | undefined;
  if (op && op.status === "done") {
    deliveredAt = op.finished && op.finished !== ZERO_TIME ? op.finished : op.requested;
  }
  return envs.map((e) => {
    const live = e.state === "live";
    const health: HealthStatus =
      phase === "Error" ? "failing" : phase === "Reconciling" && !live ? "degraded" : live ? "healthy" : "unknown";
    return {
      name: e.name,
      health_status: health,
      delivery_state: e.state,
      ...(e.image !== undefined ? { running_image: e.image } : {}),
      delivery_type: e.delivery_type ?? "none",
      ...(e.delivery_path !== undefined ? { delivery_path: e.delivery_path } : {}),
      config_readiness: live || e.delivery_path ? "ok" : "unknown",
      secrets_readiness: "unsupported",
      ...(deliveredAt && op && delivers(op, e.name) ? { last_delivery_at: deliveredAt } : {}),
    };
  });
}

/** The overview read model of a project (SPEC §11.3); pure apart from the reads through `input.read`. */
export async function buildOverview(input: OverviewInput): Promise<Overview> {
  const envs = await environmentStates(input);
  const buildImage = await buildImageOf(input);
  return {
    summary: journeySummary(input.project, buildImage, envs),
    environments: overviewEnvironments(input.project, envs, input.lastOp),
  };
}

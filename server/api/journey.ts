import { join } from "node:path";
import type { Context } from "hono";
import { ApiError, json, route, type App, type AppEnv } from "../http/index.js";
import { toOperation } from "../store/index.js";
import { nowIso } from "../../workers/shared/ids.js";
import { readArtifact } from "../../workers/promoter/index.js";
import { buildJourney, buildOverview } from "../read-models/index.js";
import { listArtifacts } from "./artifacts.js";
import { requireProject, type ApiDeps } from "./deps.js";

/** `GET /api/projects/{id}/overview` and `…/journey` (SPEC §4.12, §11). */
export function registerJourneyRoutes(app: App, d: ApiDeps): void {
  const view = (kind: "overview" | "journey") => async (c: Context<AppEnv>) => {
    const id = c.req.param("id") ?? "";
    const project = await requireProject(d, id);
    const projectDir = join(d.config.artifactsRoot, id);
    let files: string[];
    try {
      files = await listArtifacts(projectDir);
    } catch {
      throw new ApiError(500, "INTERNAL_ERROR", "failed to list artifacts");
    }
    try {
      const last = project.status.last_op_id ? (await d.stores.ops.get(project.status.last_op_id))?.value : undefined;
      const input = {
        project,
        files,
        read: (rel: string) => readArtifact(projectDir, rel),
        lastOp: last ? toOperation(last) : undefined,
      };
      if (kind === "overview") return json(c, 200, { project, overview: await buildOverview(input) });
      return json(c, 200, { project, journey: await buildJourney({ ...input, now: nowIso() }) });
    } catch (err) {
      d.log.error({ project_id: id, err: (err as Error).message }, `build ${kind} failed`);
      throw new ApiError(500, "INTERNAL_ERROR", `failed to build project ${kind}`);
    }
  };
  route(app, "/api/projects/:id/overview", { GET: view("overview") });
  route(app, "/api/projects/:id/journey", { GET: view("journey") });
}

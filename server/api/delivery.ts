import type { Context } from "hono";
import { ApiError, invalidJson, json, notFound, readJsonObject, route, type App, type AppEnv } from "../http/index.js";
import { toOperation, type Project } from "../store/index.js";
import { isProduction, rollbackStage, validateTransition } from "../../workers/shared/environments.js";
import { PROJECT_ID_PATTERN } from "../../workers/shared/ids.js";
import { requestInput, requireProject, type ApiDeps } from "./deps.js";
import { promotionPreview, rollbackPreview, type RollbackBody } from "./delivery-previews.js";

function str(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidJson([{ path: `/${field}`, message: `${field} must be a string` }]);
  return v;
}

function bool(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalidJson([{ path: `/${field}`, message: `${field} must be a boolean` }]);
  return v;
}

/** INVALID_JSON → PROJECT_ID_REQUIRED → 404 (SPEC §4.3–4.8 common prefix). */
/** The envelope fields of the delivery bodies and their JSON types (SPEC §4.3–4.8). */
const FIELD_TYPES: Record<string, "string" | "boolean"> = {
  project_id: "string",
  environment: "string",
  from_env: "string",
  to_env: "string",
  release_id: "string",
  scope: "string",
  override: "boolean",
};

/** A JSON object body whose known fields have their JSON types; otherwise 400 INVALID_JSON first (SPEC §0.2). */
async function readEnvelope(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const body = await readJsonObject(c);
  const errors = Object.entries(FIELD_TYPES)
    .filter(([k, t]) => body[k] !== undefined && body[k] !== null && typeof body[k] !== t)
    .map(([k, t]) => ({ path: `/${k}`, message: `${k} must be a ${t}` }));
  if (errors.length) throw invalidJson(errors);
  return body;
}

async function readRequest(
  c: Context<AppEnv>,
  d: ApiDeps,
): Promise<{ body: Record<string, unknown>; project: Project }> {
  const body = await readEnvelope(c);
  const projectId = (str(body, "project_id") ?? "").trim();
  if (projectId === "") throw new ApiError(400, "PROJECT_ID_REQUIRED", "project_id required");
  if (PROJECT_ID_PATTERN.test(projectId)) c.set("auditProject", projectId);
  return { body, project: await requireProject(d, projectId) };
}

function transitionOrThrow(
  project: Project,
  from: string | undefined,
  to: string | undefined,
): { from: string; to: string } {
  const t = validateTransition(project.spec, from, to);
  if (!t.ok) throw new ApiError(400, t.error.code, t.error.message);
  return t;
}

/** Deploy, promotion, release, rollback and their previews (SPEC §4.3–4.8, §7). */
export function registerDeliveryRoutes(app: App, d: ApiDeps): void {
  const accepted = (c: Context<AppEnv>, a: Awaited<ReturnType<typeof d.engine.enqueuer.submit>>) =>
    json(c, 202, { accepted: true, project: a.project, op: toOperation(a.op) });

  route(app, "/api/events/deployment", {
    POST: async (c) => {
      const body = await readEnvelope(c);
      const projectId = (str(body, "project_id") ?? "").trim();
      if (projectId === "") throw new ApiError(400, "PROJECT_ID_REQUIRED", "project_id required");
      const env = (str(body, "environment") ?? "").trim().toLowerCase() || "dev";
      if (env !== "dev") {
        throw new ApiError(
          400,
          "DEPLOY_DEV_ONLY",
          "deployment endpoint supports dev only; use promotion/release for higher environments",
        );
      }
      if (!PROJECT_ID_PATTERN.test(projectId)) throw notFound();
      c.set("auditProject", projectId);
      const a = await d.engine.enqueuer.submit({
        kind: "deploy",
        projectId,
        queuedMessage: "queued deployment",
        delivery: { stage: "deploy", environment: "dev" },
        input: { ...requestInput(c), environment: "dev" },
      });
      return accepted(c, a);
    },
  });

  const transition = (releaseOnly: boolean) => async (c: Context<AppEnv>) => {
    const { body, project } = await readRequest(c, d);
    const rawTo = str(body, "to_env");
    const to = releaseOnly && (rawTo ?? "").trim() === "" ? "prod" : rawTo;
    const t = transitionOrThrow(project, str(body, "from_env"), to);
    if (releaseOnly && !isProduction(t.to)) {
      throw new ApiError(
        400,
        "RELEASE_REQUIRES_PRODUCTION",
        `release endpoint requires production target environment (got "${t.to}")`,
      );
    }
    const kind = isProduction(t.to) ? "release" : "promote";
    const a = await d.engine.enqueuer.submit({
      kind,
      projectId: project.id,
      queuedMessage: kind === "release" ? "queued release" : "queued promotion",
      delivery: { stage: kind, from_env: t.from, to_env: t.to },
      input: { ...requestInput(c), from_env: t.from, to_env: t.to },
    });
    return accepted(c, a);
  };
  route(app, "/api/events/promotion", { POST: transition(false) });
  route(app, "/api/events/release", { POST: transition(true) });

  route(app, "/api/events/promotion/preview", {
    POST: async (c) => {
      const { body, project } = await readRequest(c, d);
      return json(
        c,
        200,
        await promotionPreview(
          { stores: d.stores, artifactsRoot: d.config.artifactsRoot },
          project,
          str(body, "from_env"),
          str(body, "to_env"),
        ),
      );
    },
  });

  const rollbackBody = (body: Record<string, unknown>): RollbackBody => ({
    environment: str(body, "environment"),
    release_id: str(body, "release_id"),
    scope: str(body, "scope"),
    override: bool(body, "override"),
  });
  route(app, "/api/events/rollback/preview", {
    POST: async (c) => {
      const { body, project } = await readRequest(c, d);
      const r = await rollbackPreview(
        { stores: d.stores, artifactsRoot: d.config.artifactsRoot },
        project,
        rollbackBody(body),
      );
      return json(c, 200, r.preview);
    },
  });
  route(app, "/api/events/rollback", {
    POST: async (c) => {
      const { body, project } = await readRequest(c, d);
      const req = rollbackBody(body);
      const r = await rollbackPreview({ stores: d.stores, artifactsRoot: d.config.artifactsRoot }, project, req);
      if (!r.ready) {
        throw new ApiError(
          400,
          "ROLLBACK_NOT_READY",
          "rollback preflight failed",
          { blockers: r.blockers.map((b) => b.code) },
          r.preview,
        );
      }
      const a = await d.engine.enqueuer.submit({
        kind: "rollback",
        projectId: project.id,
        queuedMessage: "queued rollback",
        delivery: { stage: rollbackStage(r.env), environment: r.env, from_env: r.env, to_env: r.env },
        input: {
          ...requestInput(c),
          environment: r.env,
          release_id: r.releaseId,
          scope: r.scope,
          override: req.override === true,
        },
      });
      return accepted(c, a);
    },
  });
}

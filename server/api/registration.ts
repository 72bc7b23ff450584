import type { Context } from "hono";
import {
  ApiError,
  bytesResponse,
  invalidJson,
  json,
  optionalString,
  parseJsonObject,
  readJsonObject,
  readRawBody,
  route,
  type App,
  type AppEnv,
} from "../http/index.js";
import { toOperation } from "../store/index.js";
import type { Accepted } from "../engine/index.js";
import { parseSpec } from "../../workers/shared/spec.js";
import type { ProjectSpec } from "../../workers/shared/spec-types.js";
import { newId32, PROJECT_ID_PATTERN } from "../../workers/shared/ids.js";
import { requestInput, requireProject, type ApiDeps } from "./deps.js";

/** Normalise + validate a spec, or throw the SPEC §2.3 / §0.2 error. */
export function requireSpec(raw: unknown): ProjectSpec {
  const r = parseSpec(raw ?? {});
  if (r.ok) return r.spec;
  if (r.kind === "invalid_json") throw invalidJson(r.errors);
  throw new ApiError(400, "VALIDATION_FAILED", r.message, { errors: r.errors });
}

function accepted(c: Context<AppEnv>, a: Accepted): Response {
  return json(c, 202, { accepted: true, project: a.project, op: toOperation(a.op) });
}

function deleted(c: Context<AppEnv>, a: Accepted): Response {
  return json(c, 202, { accepted: true, deleted: false, project_id: a.project.id, op: toOperation(a.op) });
}

/** The shared create/update/delete flows, used by registration events and the legacy CRUD routes. */
export class ProjectCommands {
  constructor(private readonly d: ApiDeps) {}

  create(c: Context<AppEnv>, projectId: string, spec: ProjectSpec): Promise<Accepted> {
    return this.d.engine.enqueuer.create(projectId, spec, { spec, ...requestInput(c) });
  }

  update(c: Context<AppEnv>, projectId: string, spec: ProjectSpec): Promise<Accepted> {
    if (!PROJECT_ID_PATTERN.test(projectId)) throw new ApiError(404, "NOT_FOUND", "not found");
    return this.d.engine.enqueuer.submit({
      kind: "update",
      projectId,
      queuedMessage: "queued",
      newSpec: spec,
      input: requestInput(c),
    });
  }

  delete(c: Context<AppEnv>, projectId: string): Promise<Accepted> {
    if (!PROJECT_ID_PATTERN.test(projectId)) throw new ApiError(404, "NOT_FOUND", "not found");
    return this.d.engine.enqueuer.submit({
      kind: "delete",
      projectId,
      queuedMessage: "queued delete",
      input: requestInput(c),
    });
  }
}

/** `POST /api/events/registration` (SPEC §4.1). */
export function registerRegistrationRoutes(app: App, d: ApiDeps): void {
  const commands = new ProjectCommands(d);
  route(app, "/api/events/registration", {
    POST: async (c) => {
      const body = await readJsonObject(c);
      const action = (optionalString(body, "action") ?? "").trim().toLowerCase();
      if (["create", "update", "delete"].includes(action)) c.set("auditAction", `project.${action}`);
      if (!["create", "update", "delete"].includes(action)) {
        throw new ApiError(400, "INVALID_ACTION", "action must be create, update, or delete");
      }
      const projectId = (optionalString(body, "project_id") ?? "").trim();
      if (projectId) c.set("auditProject", projectId);
      if (action === "create") {
        if (projectId !== "" && !PROJECT_ID_PATTERN.test(projectId)) {
          throw new ApiError(400, "INVALID_PROJECT_ID", "project_id must match ^[a-z0-9][a-z0-9-]{0,62}$");
        }
        const spec = requireSpec(body.spec);
        return accepted(c, await commands.create(c, projectId || newId32(), spec));
      }
      if (projectId === "") throw new ApiError(400, "PROJECT_ID_REQUIRED", "project_id required");
      if (action === "update") return accepted(c, await commands.update(c, projectId, requireSpec(body.spec)));
      return deleted(c, await commands.delete(c, projectId));
    },
  });
}

/** Legacy CRUD: `/api/projects` and `/api/projects/{id}` (SPEC §4.2). */
export function registerProjectRoutes(app: App, d: ApiDeps): void {
  const commands = new ProjectCommands(d);
  route(app, "/api/projects", {
    GET: async (c) => {
      let body: Buffer;
      try {
        body = await d.stores.projects.listJson();
      } catch (err) {
        d.log.error({ err: (err as Error).message }, "list projects failed");
        throw new ApiError(500, "INTERNAL_ERROR", "failed to list projects");
      }
      // The memoised bytes go out as they are (the adapter writes a Uint8Array body without copying it).
      return bytesResponse(c, 200, body, "application/json");
    },
    POST: async (c) => {
      const spec = requireSpec(await readJsonObject(c));
      return accepted(c, await commands.create(c, newId32(), spec));
    },
  });
  const one = {
    GET: async (c: Context<AppEnv>) => json(c, 200, await requireProject(d, c.req.param("id") ?? "")),
    PUT: async (c: Context<AppEnv>) => {
      const raw = await readRawBody(c);
      const spec = requireSpec(parseJsonObject(raw));
      return accepted(c, await commands.update(c, c.req.param("id") ?? "", spec));
    },
    DELETE: async (c: Context<AppEnv>) => deleted(c, await commands.delete(c, c.req.param("id") ?? "")),
  };
  route(app, "/api/projects/:id", one);
  route(app, "/api/projects/:id/", one);
}

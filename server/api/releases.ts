import { join } from "node:path";
import type { Context } from "hono";
import { ApiError, json, notFound, route, type App, type AppEnv } from "../http/index.js";
import { resolveEnvironment } from "../../workers/shared/environments.js";
import { readArtifact } from "../../workers/promoter/index.js";
import { compareReleases } from "../read-models/index.js";
import { parseLimit } from "./ops.js";
import { requireProject, type ApiDeps } from "./deps.js";

/** Release history, one release, and compare (SPEC §4.11, §7.6, §7.7). */
export function registerReleaseRoutes(app: App, d: ApiDeps): void {
  route(app, "/api/projects/:id/releases", {
    GET: async (c) => {
      const project = await requireProject(d, c.req.param("id") ?? "");
      const raw = c.req.query("environment");
      if (raw === undefined || raw.trim() === "")
        throw new ApiError(400, "ENVIRONMENT_REQUIRED", "environment query parameter required");
      const env = resolveEnvironment(project.spec, raw);
      if (!env)
        throw new ApiError(
          400,
          "ENVIRONMENT_NOT_DEFINED",
          `environment "${raw.trim().toLowerCase()}" is not defined for project`,
        );
      const limit = parseLimit(c.req.query("limit"), 20, 100);
      let ids = await d.stores.releases.index(project.id, env);
      const cursor = c.req.query("cursor");
      if (cursor) {
        const at = ids.indexOf(cursor);
        ids = at >= 0 ? ids.slice(at + 1) : [];
      }
      const items = [];
      let more = false;
      for (const id of ids) {
        const r = await d.stores.releases.get(id);
        if (!r || r.project_id !== project.id) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(r);
      }
      return json(c, 200, { items, ...(more ? { next_cursor: items[items.length - 1].id } : {}) });
    },
  });

  const one = async (c: Context<AppEnv>) => {
    const project = await requireProject(d, c.req.param("id") ?? "");
    const rid = c.req.param("rid") ?? "";
    if (rid.toLowerCase() === "compare") {
      const from = (c.req.query("from") ?? "").trim();
      const to = (c.req.query("to") ?? "").trim();
      if (!from || !to) throw new ApiError(400, "COMPARE_IDS_REQUIRED", "from and to query parameters are required");
      const [a, b] = await Promise.all(
        [from, to].map((id) => (/^[0-9a-f]{32}$/.test(id) ? d.stores.releases.get(id) : null)),
      );
      if (!a || !b || a.project_id !== project.id || b.project_id !== project.id) throw notFound();
      const projectDir = join(d.config.artifactsRoot, project.id);
      try {
        return json(
          c,
          200,
          await compareReleases({ from: a, to: b, read: (p: string) => readArtifact(projectDir, p) }),
        );
      } catch {
        throw new ApiError(500, "INTERNAL_ERROR", "failed to compare releases");
      }
    }
    if (!/^[0-9a-f]{32}$/.test(rid)) throw notFound();
    const r = await d.stores.releases.get(rid);
    if (!r || r.project_id !== project.id) throw notFound();
    return json(c, 200, r);
  };
  route(app, "/api/projects/:id/releases/:rid", { GET: one });
}

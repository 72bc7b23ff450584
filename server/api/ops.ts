import type { Context } from "hono";
import { ApiError, json, notFound, route, type App, type AppEnv } from "../http/index.js";
import { toOperation, type StoredOp } from "../store/index.js";
import { OP_ID_PATTERN, ZERO_TIME } from "../../workers/shared/ids.js";
import { requireProject, type ApiDeps } from "./deps.js";
import { streamOpEvents } from "./op-events-sse.js";

async function readOp(d: ApiDeps, id: string): Promise<StoredOp> {
  if (!OP_ID_PATTERN.test(id)) throw notFound();
  let op: Awaited<ReturnType<ApiDeps["stores"]["ops"]["get"]>>;
  try {
    op = await d.stores.ops.get(id);
  } catch {
    throw new ApiError(500, "INTERNAL_ERROR", "failed to read op");
  }
  if (!op) throw notFound();
  return op.value;
}

/** `limit` query: empty → default; not an integer or ≤ 0 → 400; clamped to max. */
export function parseLimit(raw: string | undefined, def: number, max: number): number {
  if (raw === undefined || raw === "") return def;
  if (!/^-?\d+$/.test(raw.trim())) throw new ApiError(400, "BAD_LIMIT", "bad limit");
  const n = Number(raw.trim());
  if (n <= 0) throw new ApiError(400, "BAD_LIMIT", "bad limit");
  return Math.min(n, max);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function summaryMessage(op: StoredOp): string {
  for (let i = op.steps.length - 1; i >= 0; i--) if (op.steps[i].message) return op.steps[i].message!;
  switch (op.status) {
    case "queued":
      return "operation accepted and queued";
    case "running":
      return "operation in progress";
    case "done":
      return "operation completed";
    default:
      return op.error || "operation failed";
  }
}

function lastUpdateAt(op: StoredOp): string {
  if (op.finished !== ZERO_TIME) return op.finished;
  const last = op.steps[op.steps.length - 1];
  if (last) return last.ended_at !== ZERO_TIME ? last.ended_at : last.started_at;
  return op.requested;
}

/** `GET /api/ops/{id}`, its SSE stream, and a project's op history (SPEC §4.9, §4.10, §5). */
export function registerOpRoutes(app: App, d: ApiDeps): void {
  route(app, "/api/ops/", {
    GET: () => {
      throw new ApiError(400, "BAD_OP_ID", "bad op id");
    },
  });
  route(app, "/api/ops/:id", { GET: async (c) => json(c, 200, toOperation(await readOp(d, c.req.param("id") ?? ""))) });
  route(app, "/api/ops/:id/events", {
    GET: async (c) => {
      const op = await readOp(d, c.req.param("id") ?? "");
      return streamOpEvents(c, d, op);
    },
  });

  const history = async (c: Context<AppEnv>) => {
    const projectId = c.req.param("id") ?? "";
    await requireProject(d, projectId);
    const limit = parseLimit(c.req.query("limit"), 20, 100);
    const cursor = c.req.query("cursor");
    const before = c.req.query("before");
    let beforeTime: number | undefined;
    let afterId = cursor;
    if (before !== undefined && before !== "") {
      if (RFC3339.test(before.trim()) && !Number.isNaN(Date.parse(before.trim())))
        beforeTime = Date.parse(before.trim());
      else if (afterId === undefined) afterId = before;
    }
    let ids = await d.stores.ops.index(projectId);
    if (afterId !== undefined && afterId !== "") {
      const at = ids.indexOf(afterId);
      ids = at >= 0 ? ids.slice(at + 1) : [];
    }
    const items = [];
    let more = false;
    for (const id of ids) {
      const v = await d.stores.ops.get(id);
      if (!v) continue;
      const op = v.value;
      if (beforeTime !== undefined && !(Date.parse(op.requested) < beforeTime)) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      const last = await d.stores.events.last(op.id);
      items.push({
        id: op.id,
        kind: op.kind,
        status: op.status,
        requested: op.requested,
        finished: op.finished,
        ...(op.error ? { error: op.error } : {}),
        summary_message: summaryMessage(op),
        last_event_sequence: last?.payload.sequence ?? 0,
        last_update_at: lastUpdateAt(op),
      });
    }
    return json(c, 200, { items, ...(more ? { next_cursor: items[items.length - 1].id } : {}) });
  };
  route(app, "/api/projects/:id/ops", { GET: history });
}

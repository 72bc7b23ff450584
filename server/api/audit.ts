import { ApiError, json, route, type App } from "../http/index.js";
import { csvRow, CSV_HEADER, decodeCursor, encodeCursor, type AuditLog } from "../audit/index.js";
import type { Metrics } from "../metrics/index.js";
import { parseLimit } from "./ops.js";

/** `GET /api/audit`, `GET /api/audit/export` (SPEC §12.4) and `GET /metrics` (SPEC §12.3). */
export function registerAuditRoutes(app: App, audit: AuditLog, metrics: Metrics): void {
  const filter = (q: (k: string) => string | undefined) => ({
    projectId: q("project_id")?.trim() || undefined,
    action: q("action")?.trim() || undefined,
  });
  route(app, "/api/audit", {
    GET: async (c) => {
      const limit = parseLimit(c.req.query("limit"), 50, 500);
      const rawCursor = c.req.query("cursor");
      let cursor: number | undefined;
      if (rawCursor !== undefined && rawCursor !== "") {
        const seq = decodeCursor(rawCursor);
        if (seq === null) throw new ApiError(400, "BAD_CURSOR", "bad cursor");
        cursor = seq;
      }
      const page = await audit.list(
        filter((k) => c.req.query(k)),
        limit,
        cursor,
      );
      return json(c, 200, {
        items: page.items,
        ...(page.next !== undefined ? { next_cursor: encodeCursor(page.next) } : {}),
      });
    },
  });
  route(app, "/api/audit/export", {
    GET: (c) => {
      const format = c.req.query("format") || "jsonl";
      if (format !== "jsonl" && format !== "csv") throw new ApiError(400, "BAD_FORMAT", "format must be jsonl or csv");
      const records = audit.all(filter((k) => c.req.query(k)));
      const encoder = new TextEncoder();
      let headerSent = false;
      // Pulled record by record: a large export never sits in memory.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (format === "csv" && !headerSent) {
            headerSent = true;
            controller.enqueue(encoder.encode(`${CSV_HEADER}\r\n`));
            return;
          }
          const next = await records.next();
          if (next.done) {
            controller.close();
            return;
          }
          controller.enqueue(
            encoder.encode(format === "csv" ? `${csvRow(next.value)}\r\n` : `${JSON.stringify(next.value)}\n`),
          );
        },
        async cancel() {
          await records.return(undefined);
        },
      });
      return new Response(body, {
        headers: {
          "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
          "Content-Disposition": `attachment; filename="slipway-audit.${format}"`,
          "X-Request-Id": c.get("requestId"),
        },
      });
    },
  });
  route(app, "/metrics", {
    GET: async () =>
      new Response(await metrics.registry.metrics(), { headers: { "Content-Type": metrics.registry.contentType } }),
  });
}

import { Hono, type Context, type Handler } from "hono";
import type { HttpBindings } from "@hono/node-server";
import { ApiError, methodNotAllowed, notFound, routeNotFound } from "./api-error.js";
import { errorResponse } from "./respond.js";
import { toApiError } from "./error-map.js";
import { requestPipeline, type AfterResponse } from "./middleware/pipeline.js";
import type { RequestLine } from "./middleware/access-log.js";
import type { Authenticator } from "./auth.js";

export type AppEnv = {
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    actor: string;
    route: string;
    auditAction?: string;
    auditOutcome?: string;
    auditProject?: string;
    auditOp?: string;
  };
};
export type App = Hono<AppEnv>;
export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface AppOptions {
  auth: Authenticator;
  /** Runs once the response is known, for every request — also those refused with 401 (the audit trail). */
  audit?: AfterResponse<Context<AppEnv>>;
  log: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** Writes the access-log line; default `log.info(line, "request")` (cmd passes `requestLogWriter(log)`). */
  requestLine?: (line: RequestLine) => void;
  onRequest?: (method: string, route: string, status: number, seconds: number) => void;
}

/** Assemble the Hono app with the SPEC §0.6 pipeline: request id → auth → routing → handler. */
export function createApp(opts: AppOptions): App {
  const app = new Hono<AppEnv>();
  const onError = (err: Error, c: Context<AppEnv>): Response => {
    const mapped = toApiError(err);
    if (mapped) return errorResponse(mapped, c.get("requestId") ?? "");
    opts.log.error({ req_id: c.get("requestId"), err: err.message, stack: err.stack }, "unhandled error");
    return errorResponse(new ApiError(500, "INTERNAL_ERROR", "internal error"), c.get("requestId") ?? "");
  };
  app.use(
    "*",
    requestPipeline<Context<AppEnv>>({
      auth: opts.auth,
      audit: opts.audit,
      requestLine: opts.requestLine ?? ((line) => opts.log.info(line, "request")),
      onRequest: opts.onRequest,
      onError,
    }),
  );
  app.notFound((c) => {
    // An artifact path whose encoded dot segments the URL parser folded away is still an artifact request.
    const raw = c.env?.incoming?.url ?? "";
    if (/^\/api\/projects\/[^/?]+\/artifacts\//.test(raw)) return errorResponse(notFound(), c.get("requestId") ?? "");
    return errorResponse(routeNotFound(), c.get("requestId") ?? "");
  });
  app.onError(onError);
  return app;
}

/**
 * Register the methods of one path; any other method gets 405 with `Allow`. On `/api/*` a HEAD is its own
 * method (405); elsewhere it is served as GET without a body (SPEC §0.6).
 */
export function route(app: App, path: string, handlers: Partial<Record<Method, Handler<AppEnv>>>): void {
  const methods = Object.keys(handlers) as Method[];
  const api = path.startsWith("/api/");
  for (const m of methods) {
    const h = handlers[m]!;
    app.on(m, path, async function routeHandler(c: Context<AppEnv>, next) {
      if (api && c.req.method === "HEAD") throw methodNotAllowed(methods);
      c.set("route", path);
      return h(c, next);
    });
  }
  app.all(path, (c) => {
    c.set("route", path);
    throw methodNotAllowed(methods);
  });
}

import { Hono, type Context, type Handler, type MiddlewareHandler } from "hono";
import type { HttpBindings } from "@hono/node-server";
import { ApiError, methodNotAllowed, notFound, routeNotFound } from "./api-error.js";
import { errorResponse } from "./respond.js";
import { toApiError } from "./error-map.js";
import { requestId } from "./middleware/request-id.js";
import { authenticate } from "./middleware/auth.js";
import { accessLog, type AccessLogger } from "./middleware/access-log.js";
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
  /** Runs between request id and auth, so it also sees requests refused with 401. */
  audit?: MiddlewareHandler<AppEnv>;
  log: AccessLogger & { error(obj: object, msg?: string): void };
  onRequest?: (method: string, route: string, status: number, seconds: number) => void;
}

/** Assemble the Hono app with the SPEC §0.6 pipeline: request id → auth → routing → handler. */
export function createApp(opts: AppOptions): App {
  const app = new Hono<AppEnv>();
  app.use("*", accessLog(opts.log, opts.onRequest));
  app.use("*", requestId());
  if (opts.audit) app.use("*", opts.audit);
  app.use("*", authenticate(opts.auth));
  app.notFound((c) => {
    // An artifact path whose encoded dot segments the URL parser folded away is still an artifact request.
    const raw = c.env?.incoming?.url ?? "";
    if (/^\/api\/projects\/[^/?]+\/artifacts\//.test(raw)) return errorResponse(notFound(), c.get("requestId") ?? "");
    return errorResponse(routeNotFound(), c.get("requestId") ?? "");
  });
  app.onError((err, c) => {
    const mapped = toApiError(err);
    if (mapped) return errorResponse(mapped, c.get("requestId") ?? "");
    opts.log.error(
      { req_id: c.get("requestId"), err: (err as Error).message, stack: (err as Error).stack },
      "unhandled error",
    );
    return errorResponse(new ApiError(500, "INTERNAL_ERROR", "internal error"), c.get("requestId") ?? "");
  });
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

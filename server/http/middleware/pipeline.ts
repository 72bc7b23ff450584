import type { Context, MiddlewareHandler } from "hono";
import type { Authenticator } from "../auth.js";
import { unauthorized } from "../api-error.js";
import { errorResponse, hasRequestIdHeader } from "../respond.js";
import { redactPath, type RequestLine } from "./access-log.js";
import { isProtectedPath } from "./auth.js";
import { requestIdFor } from "./request-id.js";

/** What runs once a request has its response: a promise when it has async work (the audit trail may read a body). */
export type AfterResponse<C extends Context = Context> = (c: C) => Promise<void> | undefined;

export interface PipelineOptions<C extends Context> {
  auth: Authenticator;
  /** Runs after the handler for every request, 401s included (the audit trail). */
  audit?: AfterResponse<C>;
  /** Writes the SPEC §0.4 access-log line. */
  requestLine: (line: RequestLine) => void;
  onRequest?: (method: string, route: string, status: number, seconds: number) => void;
  /** The app's error handler, for an error thrown by the pipeline itself. */
  onError: (err: Error, c: C) => Response;
}

/**
 * SPEC §0.6 steps 2–3 and what every request gets afterwards, as one middleware: request id (kept or generated,
 * echoed on the response), fail-closed authentication (401 for protected paths), then — whatever the outcome —
 * the audit hook, the access-log line and the HTTP metrics. One hop instead of four (access log, request id,
 * audit, auth): each middleware is an async frame, a promise and a closure per request on the hot read path.
 */
export function requestPipeline<C extends Context>(opts: PipelineOptions<C>): MiddlewareHandler {
  const { auth, audit, requestLine, onRequest, onError } = opts;
  return async function requestPipelineMiddleware(ctx, next) {
    const c = ctx as C;
    const t0 = performance.now();
    const id = requestIdFor(c.req.header("x-request-id"));
    c.set("requestId", id);
    const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket;
    try {
      try {
        const actor = auth.identify(c.req.header("authorization"), c.req.header("cookie"), socket);
        c.set("actor", actor ?? "");
        // Setting c.res (not returning it) so the hooks below see the 401; nothing has touched c.res yet.
        if (actor === null && isProtectedPath(c.req.path)) c.res = errorResponse(unauthorized(), id);
        else await next();
      } catch (err) {
        // Downstream errors were already answered by Hono (onError) inside next(); this is the pipeline's own.
        if (!(err instanceof Error)) throw err;
        c.res = onError(err, c);
      }
      // Responses from json()/errorResponse()/bytesResponse() already carry the id: touching their headers costs.
      if (!hasRequestIdHeader(c.res)) c.res.headers.set("X-Request-Id", id);
      const audited = audit?.(c);
      if (audited) await audited;
    } finally {
      const durationMs = performance.now() - t0;
      const route = (c.get("route") as string | undefined) ?? "unmatched";
      const method = c.req.method;
      const status = c.res.status;
      requestLine({
        req_id: id,
        method,
        path: redactPath(c.req.path),
        route,
        status,
        duration_ms: Math.round(durationMs * 1000) / 1000,
        remote_addr: socket?.remoteAddress ?? "",
      });
      onRequest?.(method, route, status, durationMs / 1000);
    }
  };
}

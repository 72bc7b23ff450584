import type { MiddlewareHandler } from "hono";

export interface AccessLogger {
  info(obj: object, msg?: string): void;
}

/** Build-context URLs are capabilities: never log their token. */
export function redactPath(path: string): string {
  return path.startsWith("/_build/context/") ? "/_build/context/<redacted>" : path;
}

/** One access-log line per request (SPEC §0.4). */
export function accessLog(
  log: AccessLogger,
  onDone?: (method: string, route: string, status: number, seconds: number) => void,
): MiddlewareHandler {
  return async function accessLogMiddleware(c, next) {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const durationMs = performance.now() - t0;
      const route = (c.get("route") as string | undefined) ?? "unmatched";
      const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
      log.info(
        {
          req_id: c.get("requestId"),
          method: c.req.method,
          path: redactPath(c.req.path),
          route,
          status: c.res.status,
          duration_ms: Math.round(durationMs * 1000) / 1000,
          remote_addr: incoming?.socket?.remoteAddress ?? "",
        },
        "request",
      );
      onDone?.(c.req.method, route, c.res.status, durationMs / 1000);
    }
  };
}

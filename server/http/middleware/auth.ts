import type { MiddlewareHandler } from "hono";
import type { Authenticator } from "../auth.js";
import { unauthorized } from "../api-error.js";

/** Paths that need credentials when auth is on (SPEC §0.5). The webhook has its own rule. */
export function isProtectedPath(path: string): boolean {
  if (path === "/metrics") return true;
  if (!path.startsWith("/api/") && path !== "/api") return false;
  return !(path === "/api/healthz" || path === "/api/session" || path === "/api/webhooks/source");
}

/** Fail-closed authentication: identifies the actor and refuses protected paths without credentials. */
export function authenticate(auth: Authenticator): MiddlewareHandler {
  return async function authMiddleware(c, next) {
    const actor = auth.identify(c.req.header("authorization"), c.req.header("cookie"));
    c.set("actor", actor ?? "");
    if (actor === null && isProtectedPath(c.req.path)) throw unauthorized();
    await next();
  };
}

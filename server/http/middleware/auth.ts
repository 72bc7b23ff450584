/** Paths that need credentials when auth is on (SPEC §0.5). The webhook has its own rule. */
export function isProtectedPath(path: string): boolean {
  if (path === "/metrics") return true;
  if (!path.startsWith("/api/") && path !== "/api") return false;
  return !(path === "/api/healthz" || path === "/api/session" || path === "/api/webhooks/source");
}

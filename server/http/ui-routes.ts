import { route, type App } from "./app.js";
import { routeNotFound } from "./api-error.js";
import type { StaticFiles } from "./static-files.js";

const UI_HEADERS = {
  "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

/** Serve the built UI: `/`, `/index.html`, `/assets/*`; unknown files → 404 ROUTE_NOT_FOUND (SPEC §13). */
export function registerUiRoutes(app: App, files: StaticFiles): void {
  const serve = {
    GET: async (c: { req: { path: string } }) => {
      const f = await files.lookup(c.req.path);
      if (!f) throw routeNotFound();
      return new Response(f.body as unknown as BodyInit, {
        headers: {
          ...UI_HEADERS,
          "Content-Type": f.contentType,
          "Cache-Control": c.req.path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
        },
      });
    },
  };
  route(app, "/", serve);
  route(app, "/index.html", serve);
  route(app, "/assets/*", serve);
}

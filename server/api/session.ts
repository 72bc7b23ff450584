import type { ApiDeps } from "./deps.js";
import {
  tokenFingerprint,
  SESSION_COOKIE,
  json,
  optionalString,
  readJsonObject,
  route,
  unauthorized,
  type App,
} from "../http/index.js";

/** `/api/session` (SPEC §4.13): the UI's cookie login. */
export function registerSessionRoutes(app: App, d: ApiDeps): void {
  route(app, "/api/session", {
    GET: (c) =>
      json(c, 200, { auth_enabled: d.auth.enabled, authenticated: !d.auth.enabled || (c.get("actor") ?? "") !== "" }),
    POST: async (c) => {
      const body = await readJsonObject(c);
      if (!d.auth.enabled) return json(c, 200, { auth_enabled: false, authenticated: true });
      const token = optionalString(body, "token") ?? "";
      const matched = d.auth.matchToken(token);
      if (!matched) throw unauthorized();
      c.set("actor", `session:${tokenFingerprint(matched)}`);
      const secure = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
      const res = json(c, 200, { auth_enabled: true, authenticated: true });
      res.headers.set(
        "Set-Cookie",
        `${SESSION_COOKIE}=${d.auth.issueSession()}; HttpOnly; SameSite=Strict; Path=/${secure}`,
      );
      return res;
    },
    DELETE: (c) => {
      const res = new Response(null, { status: 204 });
      res.headers.set("Set-Cookie", `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      res.headers.set("X-Request-Id", c.get("requestId"));
      return res;
    },
  });
}

import { randomBytes } from "node:crypto";
import { route, type App } from "./app.js";
import { routeNotFound } from "./api-error.js";
import type { BuildContextServer } from "../../workers/types.js";

/**
 * Build contexts served once per build at unguessable URLs (SPEC §9.3): `<base>/_build/context/<token>.tar`,
 * public (the token is the capability), valid only until the build revokes it, never logged.
 */
export class BuildContextRegistry implements BuildContextServer {
  private readonly contexts = new Map<string, Uint8Array>();

  constructor(private readonly baseUrl: () => string) {}

  serve(tar: Uint8Array): { url: string; revoke(): void } {
    const token = randomBytes(32).toString("hex");
    this.contexts.set(token, tar);
    return { url: `${this.baseUrl()}/_build/context/${token}.tar`, revoke: () => this.contexts.delete(token) };
  }

  get(file: string): Uint8Array | undefined {
    const m = /^([0-9a-f]{64})\.tar$/.exec(file);
    return m ? this.contexts.get(m[1]) : undefined;
  }

  get size(): number {
    return this.contexts.size;
  }
}

/** `GET /_build/context/<token>.tar`; unknown or expired tokens → 404. */
export function registerBuildContextRoutes(app: App, registry: BuildContextRegistry): void {
  route(app, "/_build/context/:file", {
    GET: (c) => {
      const tar = registry.get(c.req.param("file") ?? "");
      if (!tar) throw routeNotFound();
      return new Response(tar as unknown as BodyInit, {
        headers: {
          "Content-Type": "application/x-tar",
          "Content-Length": String(tar.byteLength),
          "Cache-Control": "no-store",
        },
      });
    },
  });
}

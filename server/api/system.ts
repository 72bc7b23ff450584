import { formatDuration } from "../config/index.js";
import { ApiError, json, route, type App } from "../http/index.js";
import { nowIso } from "../../workers/shared/ids.js";
import type { ApiDeps } from "./deps.js";

/** `GET /api/system` body (SPEC §12.2). */
export function systemInfo(d: ApiDeps): Record<string, unknown> {
  const n = d.nats();
  const b = d.builder;
  return {
    version: d.config.version,
    http_addr: d.httpAddr(),
    artifacts_root: d.config.artifactsRoot,
    data_dir: d.config.dataDir,
    builder_mode_requested: b.requested,
    builder_mode_effective: b.effective,
    ...(b.effective !== b.requested && b.fallbackReason ? { builder_mode_reason: b.fallbackReason } : {}),
    ...(b.policyError ? { builder_policy_error: b.policyError } : {}),
    ...(b.buildkitAddr ? { buildkit_addr: b.buildkitAddr } : {}),
    commit_watcher_enabled: d.config.commitWatcher,
    auth_enabled: d.auth.enabled,
    nats: {
      embedded: n.embedded,
      mode: n.embedded ? "embedded" : "external",
      url: n.url,
      ...(n.embedded
        ? {
            store_dir: n.storeDir,
            store_dir_mode: n.storeMode,
            ...(n.serverVersion ? { server_version: n.serverVersion } : {}),
            sync_interval: n.syncInterval,
          }
        : n.serverVersion
          ? { server_version: n.serverVersion }
          : {}),
    },
    realtime: {
      sse_enabled: true,
      sse_replay_window: 1000,
      sse_heartbeat_interval: formatDuration(d.config.sseHeartbeatMs),
    },
    time: nowIso(),
  };
}

/** Health, readiness and system info (SPEC §12.1–12.2). */
export function registerSystemRoutes(app: App, d: ApiDeps): void {
  const health = {
    GET: () =>
      new Response(`${JSON.stringify({ ok: true, time: nowIso() })}\n`, {
        headers: { "Content-Type": "application/json" },
      }),
  };
  route(app, "/healthz", health);
  route(app, "/api/healthz", health);
  route(app, "/readyz", {
    GET: async (c) => {
      const checks = await d.readiness();
      const failing = Object.entries(checks)
        .filter(([, v]) => v !== "ok")
        .map(([k]) => k);
      if (failing.length === 0) return json(c, 200, { ok: true, checks });
      throw new ApiError(503, "NOT_READY", `not ready: ${failing.join(",")}`, { checks });
    },
  });
  route(app, "/api/system", { GET: (c) => json(c, 200, systemInfo(d)) });
}

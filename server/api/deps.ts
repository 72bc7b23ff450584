import type { Context } from "hono";
import type { AppEnv, Authenticator } from "../http/index.js";
import type { Config } from "../config/index.js";
import type { OpEventHub } from "./op-event-hub.js";
import { ApiError, notFound } from "../http/index.js";
import type { Project } from "../store/index.js";
import { PROJECT_ID_PATTERN } from "../../workers/shared/ids.js";
import type { Stores } from "../store/index.js";
import type { Engine } from "../engine/index.js";
import type { BuilderModeInfo } from "../../workers/types.js";

export interface NatsInfo {
  embedded: boolean;
  url: string;
  storeDir?: string;
  storeMode?: "persistent" | "ephemeral";
  serverVersion?: string;
  syncInterval?: string;
}

/** What the API handlers need; built by the composition root. */
export interface ApiDeps {
  config: Config;
  stores: Stores;
  engine: Engine;
  auth: Authenticator;
  builder: BuilderModeInfo;
  nats(): NatsInfo;
  httpAddr(): string;
  readiness(): Promise<Record<string, string>>;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Open SSE streams register here so shutdown can end them. */
  sseStreams: Set<() => void>;
  /** Shared per-op event readers for SSE streams. */
  eventHub: OpEventHub;
}

/** The caller's address as the socket saw it. */
export function remoteAddr(c: Context<AppEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? "";
}

/** The fields every op input records about its request. */
export function requestInput(c: Context<AppEnv>): { request_id: string; remote_addr: string; actor: string } {
  return { request_id: c.get("requestId"), remote_addr: remoteAddr(c), actor: c.get("actor") || "anonymous" };
}

/** The project named by a path or body id: 404 for an invalid or unknown id, 500 when the store fails. */
export async function requireProject(d: Pick<ApiDeps, "stores">, id: string): Promise<Project> {
  if (!PROJECT_ID_PATTERN.test(id)) throw notFound();
  let p: Awaited<ReturnType<Stores["projects"]["get"]>>;
  try {
    p = await d.stores.projects.get(id);
  } catch {
    throw new ApiError(500, "INTERNAL_ERROR", "failed to read project");
  }
  if (!p) throw notFound();
  return p.value;
}

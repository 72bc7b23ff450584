// Same-origin JSON API client for the dashboard.

export type Phase = "Ready" | "Reconciling" | "Deleting" | "Error" | (string & {});

export interface ProjectStatus {
  phase: Phase;
  updated_at: string;
  last_op_id: string;
  last_op_kind: string;
  message?: string;
}

export interface Project {
  id: string;
  created_at: string;
  updated_at: string;
  spec: {
    name: string;
    runtime: string;
    environments: Record<string, unknown>;
  };
  status: ProjectStatus;
}

/** `GET /api/system` — read loosely; see {@link describeSystem}. */
/** `GET /api/system` (SPEC §12.2), the fields the UI reads. */
export interface SystemInfo {
  version?: string;
  http_addr?: string;
  builder_mode_requested?: string;
  builder_mode_effective?: string;
  auth_enabled?: boolean;
  nats?: { mode?: string; store_dir_mode?: string };
}

/** The server answered 401: the dashboard needs a signed-in session. */
export class UnauthorizedError extends Error {
  constructor() {
    super("Sign in required");
    this.name = "UnauthorizedError";
  }
}

/** Any other non-2xx answer (or a body that is not JSON). */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === "object") {
      const b = body as Record<string, unknown>;
      const err = b.error;
      if (typeof err === "string") return err;
      if (err && typeof err === "object" && typeof (err as Record<string, unknown>).message === "string") {
        return (err as Record<string, string>).message;
      }
      if (typeof b.message === "string") return b.message;
    }
  } catch {
    // not JSON; fall through
  }
  return `${res.status} ${res.statusText}`.trim();
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    headers: { accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
    signal,
  });
  if (res.status === 401) throw new UnauthorizedError();
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, `${path} did not return JSON`);
  }
}

export function fetchSystem(signal?: AbortSignal): Promise<SystemInfo> {
  return getJson<SystemInfo>("/api/system", signal);
}

export async function fetchProjects(signal?: AbortSignal): Promise<Project[]> {
  const body = await getJson<unknown>("/api/projects", signal);
  // Accept a bare array (the contract) and tolerate an `{ items: [...] }` envelope.
  if (Array.isArray(body)) return body as Project[];
  if (body && typeof body === "object" && Array.isArray((body as { items?: unknown }).items)) {
    return (body as { items: Project[] }).items;
  }
  throw new ApiError(200, "/api/projects did not return a list");
}

/** The facts the header shows, each a short display string or undefined when the server did not say. */
export interface SystemSummary {
  version?: string;
  httpAddr?: string;
  natsMode?: string;
  storeMode?: string;
  builderMode?: string;
  auth?: string;
}

/** Reads the SPEC §12.2 `GET /api/system` body into the header's display strings. */
export function describeSystem(sys: SystemInfo | null): SystemSummary {
  if (!sys) return {};
  const nats = sys.nats;
  return {
    version: sys.version,
    httpAddr: sys.http_addr,
    natsMode: nats?.mode,
    storeMode: nats?.store_dir_mode ?? (nats?.mode === "external" ? "external" : undefined),
    builderMode:
      sys.builder_mode_effective &&
      sys.builder_mode_requested &&
      sys.builder_mode_effective !== sys.builder_mode_requested
        ? `${sys.builder_mode_effective} (requested ${sys.builder_mode_requested})`
        : sys.builder_mode_effective,
    auth: sys.auth_enabled === undefined ? undefined : sys.auth_enabled ? "on" : "off",
  };
}

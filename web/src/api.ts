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
export type SystemInfo = Record<string, unknown>;

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

function pick(obj: unknown, ...paths: string[]): unknown {
  for (const p of paths) {
    let cur: unknown = obj;
    for (const key of p.split(".")) {
      cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined;
    }
    if (cur !== undefined && cur !== null && cur !== "") return cur;
  }
  return undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function describeAuth(sys: SystemInfo): string | undefined {
  const a = pick(sys, "auth.mode", "auth.state", "auth_mode", "auth.enabled", "auth_enabled", "auth");
  if (typeof a === "boolean") return a ? "on" : "off";
  return str(a);
}

/** Reads `GET /api/system` without insisting on one exact shape (flat `nats_mode` or nested `nats.mode`, …). */
export function describeSystem(sys: SystemInfo | null): SystemSummary {
  if (!sys) return {};
  return {
    version: str(pick(sys, "version")),
    httpAddr: str(pick(sys, "http_addr", "http.addr", "httpAddr")),
    natsMode: str(pick(sys, "nats_mode", "nats.mode", "natsMode")),
    storeMode: str(pick(sys, "store_mode", "store.mode", "storeMode")),
    builderMode: str(
      pick(sys, "builder.effective", "builder_effective", "builder_mode", "builder.mode", "builderMode"),
    ),
    auth: describeAuth(sys),
  };
}

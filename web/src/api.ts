// The typed, same-origin API client: every request the UI makes goes through `request()` below.
// Errors arrive in the SPEC §0.3 shape and become ApiError; a 401 becomes UnauthorizedError and tells the app
// (through setUnauthorizedHandler) to show the sign-in form.

import { artifactUrl, parseContentRange } from "./lib/artifacts.js";
import type {
  Accepted,
  AuditRecord,
  HistoryItem,
  Journey,
  Operation,
  Overview,
  Page,
  Project,
  ProjectSpec,
  PromotionPreview,
  ReleaseRecord,
  RollbackPreview,
  RollbackRequest,
  Session,
  SystemInfo,
  WebhookReply,
} from "./types.js";

/** Any non-2xx answer. `body` is the parsed JSON body (the 409 conflict and rollback 400 carry extra fields). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: unknown;
  readonly requestId?: string;
  constructor(status: number, code: string, message: string, body?: unknown, requestId?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.body = body;
    this.requestId = requestId;
  }
}

/** The server answered 401: the page needs a signed-in session. */
export class UnauthorizedError extends ApiError {
  constructor(message = "missing or invalid credentials", body?: unknown) {
    super(401, "UNAUTHORIZED", message, body);
    this.name = "UnauthorizedError";
  }
}

/** Reads the SPEC §0.3 error body (`{error:{code,message,details?},request_id}`); tolerant of other shapes. */
export function parseErrorBody(
  status: number,
  statusText: string,
  body: unknown,
): { code: string; message: string; requestId?: string } {
  const fallback = { code: `HTTP_${status}`, message: `${status} ${statusText}`.trim() };
  if (!body || typeof body !== "object") return fallback;
  const b = body as Record<string, unknown>;
  const requestId = typeof b.request_id === "string" ? b.request_id : undefined;
  const err = b.error;
  if (err && typeof err === "object") {
    const e = err as Record<string, unknown>;
    return {
      code: typeof e.code === "string" ? e.code : fallback.code,
      message: typeof e.message === "string" && e.message ? e.message : fallback.message,
      requestId,
    };
  }
  if (typeof err === "string") return { code: fallback.code, message: err, requestId };
  return { ...fallback, requestId };
}

let unauthorizedHandler: (() => void) | null = null;

/** Called on every 401 (except from the sign-in request itself). */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  unauthorizedHandler = fn;
}

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Do not report a 401 to the unauthorized handler (the sign-in form's own request). */
  quiet401?: boolean;
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: "same-origin",
    cache: "no-store",
    signal: opts.signal,
  });
  const body = await readJson(res);
  if (res.status === 401) {
    const { message } = parseErrorBody(401, res.statusText, body);
    if (!opts.quiet401) unauthorizedHandler?.();
    throw new UnauthorizedError(message, body);
  }
  if (!res.ok) {
    const { code, message, requestId } = parseErrorBody(res.status, res.statusText, body);
    throw new ApiError(res.status, code, message, body, requestId);
  }
  return body as T;
}

const enc = encodeURIComponent;

// ---- session and system --------------------------------------------------------------------------------------

export const getSession = () => request<Session>("GET", "/api/session");
export const signIn = (token: string) => request<Session>("POST", "/api/session", { body: { token }, quiet401: true });
export const signOut = () => request<void>("DELETE", "/api/session");
export const getSystem = (signal?: AbortSignal) => request<SystemInfo>("GET", "/api/system", { signal });

// ---- projects --------------------------------------------------------------------------------------------------

export async function listProjects(signal?: AbortSignal): Promise<Project[]> {
  const body = await request<unknown>("GET", "/api/projects", { signal });
  if (!Array.isArray(body)) throw new ApiError(200, "BAD_RESPONSE", "/api/projects did not return a list", body);
  return body as Project[];
}

export const getProject = (id: string) => request<Project>("GET", `/api/projects/${enc(id)}`);

export function createProject(spec: ProjectSpec, projectId?: string): Promise<Accepted> {
  const body: Record<string, unknown> = { action: "create", spec };
  if (projectId) body.project_id = projectId;
  return request<Accepted>("POST", "/api/events/registration", { body });
}

export const updateProject = (id: string, spec: ProjectSpec) =>
  request<Accepted>("PUT", `/api/projects/${enc(id)}`, { body: spec });
export const deleteProject = (id: string) => request<Accepted>("DELETE", `/api/projects/${enc(id)}`);

// ---- operations ------------------------------------------------------------------------------------------------

export const getOp = (opId: string, signal?: AbortSignal) =>
  request<Operation>("GET", `/api/ops/${enc(opId)}`, { signal });

export function listOps(projectId: string, cursor?: string, limit = 20): Promise<Page<HistoryItem>> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor) q.set("cursor", cursor);
  return request<Page<HistoryItem>>("GET", `/api/projects/${enc(projectId)}/ops?${q}`);
}

/** The SSE URL. `last_event_id=0` replays the op's whole retained history on the first connection (SPEC §5.1);
 * on its own reconnects the browser sends `Last-Event-ID`, which wins over the query. */
export const opEventsUrl = (opId: string) => `/api/ops/${enc(opId)}/events?last_event_id=0`;

// ---- read models -----------------------------------------------------------------------------------------------

export const getOverview = (id: string) =>
  request<{ project: Project; overview: Overview }>("GET", `/api/projects/${enc(id)}/overview`);
export const getJourney = (id: string) =>
  request<{ project: Project; journey: Journey }>("GET", `/api/projects/${enc(id)}/journey`);

// ---- artifacts -------------------------------------------------------------------------------------------------

export async function listArtifacts(id: string): Promise<string[]> {
  const body = await request<{ files?: string[] }>("GET", `/api/projects/${enc(id)}/artifacts`);
  return Array.isArray(body?.files) ? body.files : [];
}

/** The first `maxBytes` of an artifact (a Range request) and its total size when the server said. */
export async function readArtifactHead(
  id: string,
  path: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; total: number }> {
  const res = await fetch(artifactUrl(id, path), {
    headers: { range: `bytes=0-${maxBytes - 1}` },
    credentials: "same-origin",
    cache: "no-store",
    signal,
  });
  if (res.status === 416) return { bytes: new Uint8Array(0), total: 0 }; // an empty file
  if (!res.ok) {
    const body = await readJson(res);
    if (res.status === 401) {
      unauthorizedHandler?.();
      throw new UnauthorizedError();
    }
    const { code, message, requestId } = parseErrorBody(res.status, res.statusText, body);
    throw new ApiError(res.status, code, message, body, requestId);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const total = parseContentRange(res.headers.get("content-range")) ?? bytes.length;
  return { bytes, total };
}

export async function readArtifactJson<T>(id: string, path: string): Promise<T> {
  const res = await fetch(artifactUrl(id, path), { credentials: "same-origin", cache: "no-store" });
  if (res.status === 401) {
    unauthorizedHandler?.();
    throw new UnauthorizedError();
  }
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `could not read ${path}`);
  return (await res.json()) as T;
}

// ---- delivery --------------------------------------------------------------------------------------------------

export const deployDev = (projectId: string) =>
  request<Accepted>("POST", "/api/events/deployment", { body: { project_id: projectId, environment: "dev" } });

export const previewPromotion = (projectId: string, from: string, to: string) =>
  request<PromotionPreview>("POST", "/api/events/promotion/preview", {
    body: { project_id: projectId, from_env: from, to_env: to },
  });

export const promote = (projectId: string, from: string, to: string, release: boolean) =>
  request<Accepted>("POST", release ? "/api/events/release" : "/api/events/promotion", {
    body: { project_id: projectId, from_env: from, to_env: to },
  });

export function listReleases(projectId: string, env: string, cursor?: string, limit = 10) {
  const q = new URLSearchParams({ environment: env, limit: String(limit) });
  if (cursor) q.set("cursor", cursor);
  return request<Page<ReleaseRecord>>("GET", `/api/projects/${enc(projectId)}/releases?${q}`);
}

export const previewRollback = (req: RollbackRequest) =>
  request<RollbackPreview>("POST", "/api/events/rollback/preview", { body: req });

/** 400 `ROLLBACK_NOT_READY` arrives as ApiError whose `body` is the full preview. */
export const rollback = (req: RollbackRequest) => request<Accepted>("POST", "/api/events/rollback", { body: req });

export const postSourceWebhook = (body: Record<string, string>) =>
  request<WebhookReply>("POST", "/api/webhooks/source", { body });

// ---- audit -----------------------------------------------------------------------------------------------------

export const listAudit = (query: string) => request<Page<AuditRecord>>("GET", `/api/audit?${query}`);

import type { Context } from "hono";
import type { AuditLog } from "./audit-log.js";
import { jsonBodyOf } from "../http/index.js";

const ROUTES: [string, RegExp, string][] = [
  ["POST", /^\/api\/events\/registration$/, "project.register"],
  ["POST", /^\/api\/projects\/?$/, "project.create"],
  ["PUT", /^\/api\/projects\/[^/]+\/?$/, "project.update"],
  ["DELETE", /^\/api\/projects\/[^/]+\/?$/, "project.delete"],
  ["POST", /^\/api\/events\/deployment$/, "delivery.deploy"],
  ["POST", /^\/api\/events\/promotion$/, "delivery.promotion"],
  ["POST", /^\/api\/events\/release$/, "delivery.release"],
  ["POST", /^\/api\/events\/rollback$/, "delivery.rollback"],
  ["POST", /^\/api\/webhooks\/source$/, "webhook.source"],
  ["POST", /^\/api\/session$/, "session.create"],
  ["DELETE", /^\/api\/session$/, "session.delete"],
];

/** Methods with an audited route: any other request (every read) is decided without a regex. */
const AUDITED_METHODS = new Set(ROUTES.map(([m]) => m));

/** The audit action of a mutating request (SPEC §12.4), or null when it is not audited. */
export function auditAction(method: string, path: string): string | null {
  if (!AUDITED_METHODS.has(method)) return null;
  for (const [m, re, action] of ROUTES) if (m === method && re.test(path)) return action;
  return null;
}

/** accepted (2xx) · rejected (4xx) · denied (401) · error (5xx); sessions: ok · denied · rejected. */
export function auditOutcome(action: string, status: number): string {
  if (action.startsWith("session.")) return status < 300 ? "ok" : status === 401 ? "denied" : "rejected";
  if (status === 401) return "denied";
  if (status >= 500) return "error";
  if (status >= 400) return "rejected";
  return "accepted";
}

/** The fields of a 202 body the audit record takes its ids from. */
interface AcceptedBody {
  project?: { id?: string } | string;
  project_id?: string;
  op?: { id?: string } | null;
}

function projectFromPath(path: string): string | undefined {
  return /^\/api\/projects\/([^/]+)/.exec(path)?.[1];
}

/** What a handler may tell the audit trail about its request. */
export interface AuditVariables {
  auditAction?: string;
  auditOutcome?: string;
  auditProject?: string;
  auditOp?: string;
}

/**
 * One audit record per mutating request, whatever its outcome (401s included: the request pipeline calls this
 * after the response is known, auth refusals too). Handlers refine action/outcome/project/op through context
 * variables; the ids of an accepted op are read from the response body.
 */
export function auditTrail(
  audit: AuditLog,
  remoteAddr: (c: Context) => string,
): (c: Context) => Promise<void> | undefined {
  // Unaudited requests (every read) return at once, without an async frame and a promise per request.
  return function auditRequest(c) {
    const base = auditAction(c.req.method, c.req.path);
    return base ? recordRequest(c, base) : undefined;
  };
  async function recordRequest(c: Context, base: string): Promise<void> {
    const action = (c.get("auditAction") as string | undefined) ?? base;
    const status = c.res.status;
    let projectId = (c.get("auditProject") as string | undefined) ?? projectFromPath(c.req.path);
    // `auditOp` "" = the handler says there is no op (an ignored webhook): nothing to look up.
    let opId = c.get("auditOp") as string | undefined;
    if (status === 202 && (!projectId || opId === undefined)) {
      try {
        // The object a json() response was built from; another response is parsed back.
        const body = ((jsonBodyOf(c.res) as AcceptedBody | undefined) ??
          ((await c.res.clone().json()) as AcceptedBody)) as AcceptedBody;
        projectId ??= typeof body.project === "string" ? body.project : (body.project?.id ?? body.project_id);
        opId ??= body.op?.id;
      } catch {
        /* not JSON: nothing more to learn */
      }
    }
    audit.record({
      actor: (c.get("actor") as string | undefined) || "anonymous",
      action,
      ...(projectId ? { project_id: projectId } : {}),
      ...(opId ? { op_id: opId } : {}),
      outcome: (c.get("auditOutcome") as string | undefined) ?? auditOutcome(action, status),
      status_code: status,
      request_id: (c.get("requestId") as string | undefined) ?? "",
      remote_addr: remoteAddr(c),
    });
  }
}

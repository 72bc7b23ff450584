import { createHmac, timingSafeEqual } from "node:crypto";
import {
  ApiError,
  invalidJson,
  json,
  notFound,
  parseJsonObject,
  readRawBody,
  route,
  unauthorized,
  type App,
} from "../http/index.js";
import { toOperation } from "../store/index.js";
import { ProjectNotFoundError } from "../engine/index.js";
import { PROJECT_ID_PATTERN } from "../../workers/shared/ids.js";
import { remoteAddr, type ApiDeps } from "./deps.js";

const TRIGGER = "source.main.webhook";
const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;

/** Normalise a branch or ref: lower-case, trim, strip `refs/heads/` then `heads/` (SPEC §6.1). */
export function normalizeBranch(v: string): string {
  let b = v.trim().toLowerCase();
  if (b.startsWith("refs/heads/")) b = b.slice("refs/heads/".length);
  if (b.startsWith("heads/")) b = b.slice("heads/".length);
  return b;
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body). */
export function signBody(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Whether `signature` (trimmed) is exactly `signBody(secret, body)`, compared in constant time on the raw MAC
 * bytes: anything but `sha256=` and 64 lower-case hex digits can never be equal, so it is refused before the MAC.
 */
export function signatureMatches(secret: string, body: Uint8Array, signature: string): boolean {
  const given = signature.trim();
  if (!SIGNATURE.test(given)) return false;
  return timingSafeEqual(createHmac("sha256", secret).update(body).digest(), Buffer.from(given.slice(7), "hex"));
}

const invalidSignature = () => new ApiError(401, "INVALID_SIGNATURE", "invalid webhook signature");

function stringField(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw invalidJson([{ path: `/${field}`, message: `${field} must be a string` }]);
  return v;
}

/** `POST /api/webhooks/source` (SPEC §6.1): signed source pushes that start `ci` ops. */
export function registerWebhookRoutes(app: App, d: ApiDeps): void {
  route(app, "/api/webhooks/source", {
    POST: async (c) => {
      const raw = await readRawBody(c);
      const signature = c.req.header("x-paas-signature-256");
      let parsed: Record<string, unknown> | null = null;
      try {
        parsed = parseJsonObject(raw);
      } catch {
        parsed = null;
      }
      const namedProject = typeof parsed?.project_id === "string" ? parsed.project_id.trim() : "";
      const verify = async (): Promise<boolean> => {
        if (!signature || !PROJECT_ID_PATTERN.test(namedProject)) return false;
        const secret = await d.stores.secrets.get(namedProject);
        return secret !== null && signatureMatches(secret, raw, signature);
      };

      // 2: authentication.
      // "" when auth is on and the request carried no valid bearer/session: the signature must then vouch for it.
      let actor = c.get("actor");
      if (d.auth.enabled) {
        if (!actor) {
          if (!signature) throw unauthorized();
          if (!parsed || !(await verify())) throw invalidSignature();
          actor = `webhook:${namedProject}`;
        }
      } else if (signature && parsed && PROJECT_ID_PATTERN.test(namedProject)) {
        const secret = await d.stores.secrets.get(namedProject);
        if (secret !== null) {
          if (!signatureMatches(secret, raw, signature)) throw invalidSignature();
          actor = `webhook:${namedProject}`;
        }
      }

      actor ||= "anonymous";
      c.set("actor", actor);

      // 3–4: shape.
      if (!parsed) throw invalidJson();
      const projectId = stringField(parsed, "project_id").trim();
      if (projectId === "") throw new ApiError(400, "PROJECT_ID_REQUIRED", "project_id required");
      const repo = stringField(parsed, "repo");
      const branch = stringField(parsed, "branch");
      const ref = stringField(parsed, "ref");
      const commit = stringField(parsed, "commit").trim();
      const rawDelivery = c.req.header("x-paas-delivery");
      const deliveryId = rawDelivery && DELIVERY_ID.test(rawDelivery) ? rawDelivery : "";
      const validProject = PROJECT_ID_PATTERN.test(projectId);

      if (validProject) c.set("auditProject", projectId);

      // 5: a recorded delivery id. The claim also holds the id while this request runs, so a replay arriving
      // meanwhile waits for this one's outcome instead of racing it (SPEC §6.1: every 202 records the id).
      const claim = deliveryId && validProject ? await d.stores.deliveries.claim(projectId, deliveryId) : undefined;
      if (claim === null) {
        c.set("auditOutcome", "ignored");
        c.set("auditOp", "");
        return json(c, 202, {
          accepted: false,
          reason: "ignored: delivery already processed",
          trigger: TRIGGER,
          project: projectId,
          op: null,
          commit,
        });
      }
      const answer = (reason: string, op: ReturnType<typeof toOperation> | null) => {
        if (reason !== "") c.set("auditOutcome", "ignored");
        c.set("auditOp", op?.id ?? "");
        // Recorded in the mirror now (a replay is seen at once), written to the KV in the background.
        claim?.record(reason || "accepted");
        return json(c, 202, { accepted: reason === "", reason, trigger: TRIGGER, project: projectId, op, commit });
      };

      try {
        // 6–7: filters that run before the project lookup.
        if (repo !== "" && repo.trim().toLowerCase() !== "source")
          return answer("ignored: only source repo webhooks trigger ci", null);
        if (normalizeBranch(branch) !== "main" && normalizeBranch(ref) !== "main")
          return answer("ignored: only main branch triggers CI", null);

        // 8–11: the shared CI trigger.
        if (!validProject) throw notFound("project not found");
        try {
          const result = await d.engine.ci.trigger({
            projectId,
            commit,
            trigger: TRIGGER,
            request: { request_id: c.get("requestId"), remote_addr: remoteAddr(c), actor },
          });
          if (!result.accepted) return answer(result.reason, null);
          return answer("", toOperation(result.op));
        } catch (err) {
          if (err instanceof ProjectNotFoundError) throw notFound("project not found");
          throw err;
        }
      } finally {
        // An error response does not record the id (a retry may run); a no-op after record().
        claim?.release();
      }
    },
  });
}

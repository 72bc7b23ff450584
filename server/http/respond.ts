import type { Context } from "hono";
import type { ApiError } from "./api-error.js";

/**
 * Responses built here that already carry the request's `X-Request-Id`: the request-id middleware leaves their
 * headers alone (reading `res.headers` turns the adapter's plain header object into a `Headers` per response).
 */
const withRequestId = new WeakSet<Response>();

/** True when `res` was built by `json`, `bytesResponse` or `errorResponse` with the request's id already set. */
export function hasRequestIdHeader(res: Response): boolean {
  return withRequestId.has(res);
}

/** The object a `json()` response was serialised from, so middleware can read it without parsing the body. */
const jsonBodies = new WeakMap<Response, unknown>();

/** The body object of a response built by `json()`, undefined for any other response. */
export function jsonBodyOf(res: Response): unknown {
  return jsonBodies.get(res);
}

/** A compact JSON response followed by `\n` (SPEC §0.2). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** The SPEC §0.3 error body and headers for an ApiError. */
export function errorResponse(err: ApiError, requestId: string): Response {
  const body: Record<string, unknown> = {
    ...(err.extra ?? {}),
    error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
    request_id: requestId,
  };
  const res = jsonResponse(err.status, body, {
    "X-Content-Type-Options": "nosniff",
    "X-Request-Id": requestId,
    ...(err.headers ?? {}),
  });
  if (requestId !== "" && err.headers?.["X-Request-Id"] === undefined) withRequestId.add(res);
  return res;
}

/**
 * Shorthand used by handlers. The body object is remembered with the response (`jsonBodyOf`), so middleware that
 * needs a field of it (the audit trail: project and op ids) does not parse the response again.
 */
export function json(c: Context, status: number, body: unknown): Response {
  const res = jsonResponse(status, body, { "X-Request-Id": c.get("requestId") as string });
  withRequestId.add(res);
  jsonBodies.set(res, body);
  return res;
}

/** Ready-made bytes (e.g. a memoised JSON document) with the request's id; the adapter writes them as they are. */
export function bytesResponse(c: Context, status: number, bytes: Uint8Array, contentType: string): Response {
  const res = new Response(bytes as Uint8Array<ArrayBuffer>, {
    status,
    headers: { "Content-Type": contentType, "X-Request-Id": c.get("requestId") as string },
  });
  withRequestId.add(res);
  return res;
}

import type { Context } from "hono";
import type { ApiError } from "./api-error.js";

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
  return jsonResponse(err.status, body, {
    "X-Content-Type-Options": "nosniff",
    "X-Request-Id": requestId,
    ...(err.headers ?? {}),
  });
}

/** Shorthand used by handlers. */
export function json(c: Context, status: number, body: unknown): Response {
  return jsonResponse(status, body, { "X-Request-Id": c.get("requestId") as string });
}

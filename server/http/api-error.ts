/** The one HTTP error type (DESIGN §4): mapped to the SPEC §0.3 error shape by one handler. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra top-level body fields (409 conflict, 500 enqueue failure, rollback preflight). */
    readonly extra?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const invalidJson = (errors?: { path: string; message: string }[]) =>
  new ApiError(400, "INVALID_JSON", "invalid json", errors?.length ? { errors } : undefined);
export const notFound = (message = "not found") => new ApiError(404, "NOT_FOUND", message);
export const routeNotFound = () => new ApiError(404, "ROUTE_NOT_FOUND", "404 page not found");
export const methodNotAllowed = (allow: string[]) =>
  new ApiError(405, "METHOD_NOT_ALLOWED", "method not allowed", undefined, undefined, { Allow: allow.join(", ") });
export const internalError = (message: string) => new ApiError(500, "INTERNAL_ERROR", message);
export const unauthorized = () =>
  new ApiError(401, "UNAUTHORIZED", "missing or invalid credentials", undefined, undefined, {
    "WWW-Authenticate": 'Bearer realm="slipway"',
  });

import type { MiddlewareHandler } from "hono";
import { newId32 } from "../../../workers/shared/ids.js";
import { hasRequestIdHeader } from "../respond.js";

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Keep a well-formed client `X-Request-Id`, else generate an ID32; echo it on the response (SPEC §0.4). */
export function requestId(): MiddlewareHandler {
  return async function requestIdMiddleware(c, next) {
    const given = c.req.header("x-request-id");
    const id = given !== undefined && CLIENT_ID.test(given) ? given : newId32();
    c.set("requestId", id);
    await next();
    // Responses from json()/errorResponse() already carry this id: touching their headers would only cost.
    if (!hasRequestIdHeader(c.res)) c.res.headers.set("X-Request-Id", id);
  };
}

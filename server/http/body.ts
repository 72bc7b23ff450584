import type { Context } from "hono";
import { ApiError, invalidJson } from "./api-error.js";

export const BODY_LIMIT = 1_048_576;

/** How much of an oversize body is read and dropped so the client can finish sending and read the 413. */
const DRAIN_LIMIT = 16 * BODY_LIMIT;

function tooLarge(drained: boolean): ApiError {
  // A body that was not read to its end leaves the connection unusable: then say so and close it.
  return new ApiError(
    413,
    "PAYLOAD_TOO_LARGE",
    `request body exceeds ${BODY_LIMIT} bytes`,
    undefined,
    undefined,
    drained ? undefined : { Connection: "close" },
  );
}

/** Read and drop the rest of a body (bounded); true when it was read to its end. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, already: number): Promise<boolean> {
  let seen = already;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    seen += value.byteLength;
    if (seen > DRAIN_LIMIT) {
      await reader.cancel().catch(() => undefined);
      return false;
    }
  }
}

/** Read the raw body, refusing more than 1 MiB (SPEC §0.6 step 5) without buffering past the limit. */
export async function readRawBody(c: Context): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? "NaN");
  const stream = c.req.raw.body;
  if (Number.isFinite(declared) && declared > BODY_LIMIT) {
    throw tooLarge(stream ? declared <= DRAIN_LIMIT && (await drain(stream.getReader(), 0)) : true);
  }
  if (!stream) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > BODY_LIMIT) throw tooLarge(await drain(reader, size));
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Parse a JSON object body whatever its Content-Type; anything else → 400 INVALID_JSON. */
export function parseJsonObject(raw: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw).toString("utf8"));
  } catch {
    throw invalidJson();
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalidJson();
  return v as Record<string, unknown>;
}

/** Read and parse a JSON object body. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  return parseJsonObject(await readRawBody(c));
}

/** A string field of an envelope: absent/null → undefined; another type → 400 INVALID_JSON. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidJson([{ path: `/${field}`, message: `${field} must be a string` }]);
  return v;
}

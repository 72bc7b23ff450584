import type { IncomingMessage } from "node:http";
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

/** The Node request under the Hono context (`@hono/node-server` bindings), when its body is still unread. */
function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== "function" || incoming.readableDidRead) return undefined;
  return incoming;
}

/**
 * Read a body straight from the Node request (no web `Request`/`ReadableStream` per request). Keeps at most
 * 1 MiB; past that it reads and drops up to 16 MiB so the client can finish sending and read the 413, then stops
 * (413 with `Connection: close`). A request cut off before its end is a malformed body (400 INVALID_JSON); one that
 * arrived whole before its connection closed is still read.
 */
function readNodeBody(incoming: IncomingMessage): Promise<Buffer> {
  const declared = Number(incoming.headers["content-length"] ?? "NaN");
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return Promise.reject(tooLarge(false));
  let over = Number.isFinite(declared) && declared > BODY_LIMIT;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: ApiError | null) => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onClose);
      incoming.off("close", onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const take = (chunk: Buffer): boolean => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        incoming.pause();
        finish(tooLarge(false));
        return false;
      }
      if (size > BODY_LIMIT) over = true;
      if (over) chunks.length = 0;
      else chunks.push(chunk);
      return true;
    };
    const onData = (chunk: Buffer) => void take(chunk);
    const onEnd = () => finish(over ? tooLarge(true) : null);
    const onClose = () => {
      if (incoming.complete) {
        // The whole body arrived before the connection went away: use what is buffered.
        for (let chunk = incoming.read() as Buffer | null; chunk !== null; chunk = incoming.read() as Buffer | null)
          if (!take(chunk)) return;
        return onEnd();
      }
      finish(invalidJson());
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onClose);
    incoming.on("close", onClose);
    // Already torn down (the client went away before the handler got here): no event will come.
    if (incoming.destroyed) onClose();
  });
}

/** Read the raw body, refusing more than 1 MiB (SPEC §0.6 step 5) without buffering past the limit. */
export async function readRawBody(c: Context): Promise<Uint8Array> {
  const incoming = nodeRequest(c);
  if (incoming) return readNodeBody(incoming);
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
    // Decode in place (Buffer.from(aUint8Array) would copy the bytes first).
    v = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8"));
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

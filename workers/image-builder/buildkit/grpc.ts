import http2 from "node:http2";

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(GrpcStatus).map(([name, code]) => [code, name]),
);

/** A failed gRPC call: `code` is the gRPC status, `details` the (decoded) `grpc-message`. */
export class GrpcError extends Error {
  readonly code: number;
  readonly details: string;
  constructor(code: number, details: string, options: { cause?: unknown } = {}) {
    super(details || `grpc status ${STATUS_NAMES[code] ?? code}`, { cause: options.cause });
    this.name = "GrpcError";
    this.code = code;
    this.details = details;
  }
  /** `UNAVAILABLE`, `DEADLINE_EXCEEDED`, … (or the number for codes outside the table). */
  get codeName(): string {
    return STATUS_NAMES[this.code] ?? String(this.code);
  }
}

/** Default bound on one received message (BuildKit status messages are far smaller). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Frame one message: 1 byte compressed flag (always 0 here), 4 bytes big-endian length, the message. */
export function encodeGrpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Incremental decoder of length-prefixed gRPC frames; handles frames split across and merged within chunks. */
export class GrpcFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Feed one chunk; returns every message completed by it. Throws `GrpcError` on compressed or oversized frames. */
  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    let off = 0;
    while (this.pending.length - off >= 5) {
      const flag = this.pending[off];
      const len = this.pending.readUInt32BE(off + 1);
      if (flag !== 0)
        throw new GrpcError(
          GrpcStatus.INTERNAL,
          `compressed grpc message (flag ${flag}) but no encoding was negotiated`,
        );
      if (len > this.maxMessageBytes)
        throw new GrpcError(
          GrpcStatus.RESOURCE_EXHAUSTED,
          `grpc message of ${len} bytes exceeds the limit of ${this.maxMessageBytes}`,
        );
      if (this.pending.length - off - 5 < len) break;
      out.push(Buffer.from(this.pending.subarray(off + 5, off + 5 + len)));
      off += 5 + len;
    }
    this.pending = off === 0 ? this.pending : Buffer.from(this.pending.subarray(off));
    return out;
  }

  /** Bytes of an incomplete frame still held. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** `grpc-timeout` header value for a deadline in ms (at most 8 digits, per the gRPC HTTP/2 spec). */
export function grpcTimeoutHeader(ms: number): string {
  const v = Math.max(0, Math.ceil(ms));
  if (v <= 99_999_999) return `${v}m`;
  const s = Math.ceil(v / 1000);
  if (s <= 99_999_999) return `${s}S`;
  return `${Math.min(99_999_999, Math.ceil(s / 3600))}H`;
}

/** Decode a `grpc-message` value (percent-encoded UTF-8). */
export function decodeGrpcMessage(raw: string | string[] | undefined): string {
  const v = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Map a non-200 HTTP status to a gRPC code (gRPC's http-grpc-status-mapping). */
export function httpStatusToGrpc(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

export interface CallOptions {
  /** Relative deadline: sent as `grpc-timeout` and enforced locally (→ DEADLINE_EXCEEDED). */
  deadlineMs?: number;
  /** Aborting cancels the stream (RST_STREAM CANCEL) and rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Extra request headers (lower-case names). */
  metadata?: Record<string, string>;
  maxMessageBytes?: number;
}

/** Status carried by headers (trailers-only response) or trailers; undefined when absent. */
function statusFrom(h: http2.IncomingHttpHeaders): { code: number; message: string } | undefined {
  const raw = h["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(Array.isArray(raw) ? raw[0] : raw);
  return {
    code: Number.isInteger(code) ? code : GrpcStatus.UNKNOWN,
    message: decodeGrpcMessage(h["grpc-message"] as string | undefined),
  };
}

/**
 * Start one call and deliver each response message to `onMessage`; resolves on `grpc-status: 0`, rejects with a
 * `GrpcError` otherwise. `onStream` sees the HTTP/2 stream (flow control).
 */
export function grpcCall(
  session: http2.ClientHttp2Session,
  path: string,
  request: Uint8Array,
  opts: CallOptions,
  onMessage: (message: Buffer) => void,
  onStream?: (stream: http2.ClientHttp2Stream) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const { signal } = opts;
    if (signal?.aborted)
      return reject(new GrpcError(GrpcStatus.CANCELLED, "call cancelled before it started", { cause: signal.reason }));
    if (session.closed || session.destroyed) return reject(new GrpcError(GrpcStatus.UNAVAILABLE, "connection closed"));
    const headers: http2.OutgoingHttpHeaders = {
      ...opts.metadata,
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-accept-encoding": "identity",
      "user-agent": "slipway-buildkit-grpc/1",
    };
    if (opts.deadlineMs !== undefined) headers["grpc-timeout"] = grpcTimeoutHeader(opts.deadlineMs);
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch (err) {
      return reject(new GrpcError(GrpcStatus.UNAVAILABLE, (err as Error).message, { cause: err }));
    }
    onStream?.(stream);
    const decoder = new GrpcFrameDecoder(opts.maxMessageBytes);
    let status: { code: number; message: string } | undefined;
    let httpStatus: number | undefined;
    let contentType = "";
    let streamError: Error | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const settle = (err?: GrpcError) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (err) {
        if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(err);
      } else resolve();
    };
    const onAbort = () => settle(new GrpcError(GrpcStatus.CANCELLED, "call cancelled", { cause: signal?.reason }));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.deadlineMs !== undefined) {
      timer = setTimeout(
        () => settle(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${opts.deadlineMs}ms exceeded`)),
        Math.max(0, opts.deadlineMs),
      );
    }

    stream.on("response", (h) => {
      httpStatus = Number(h[":status"]);
      contentType = String(h["content-type"] ?? "");
      status = statusFrom(h) ?? status; // trailers-only response
    });
    stream.on("trailers", (t) => {
      status = statusFrom(t) ?? status;
    });
    stream.on("data", (chunk: Buffer) => {
      if (settled) return;
      let messages: Buffer[];
      try {
        messages = decoder.push(chunk);
      } catch (err) {
        return settle(err as GrpcError);
      }
      for (const m of messages) {
        try {
          onMessage(m);
        } catch (err) {
          return settle(
            err instanceof GrpcError ? err : new GrpcError(GrpcStatus.INTERNAL, (err as Error).message, { cause: err }),
          );
        }
      }
    });
    stream.on("error", (err) => {
      streamError = err;
    });
    stream.on("close", () => {
      if (settled) return;
      if (status) {
        if (status.code !== GrpcStatus.OK) return settle(new GrpcError(status.code, status.message));
        if (decoder.buffered > 0)
          return settle(new GrpcError(GrpcStatus.INTERNAL, `truncated grpc message (${decoder.buffered} bytes left)`));
        return settle();
      }
      if (httpStatus !== undefined && httpStatus !== 200)
        return settle(new GrpcError(httpStatusToGrpc(httpStatus), `unexpected HTTP status ${httpStatus}`));
      if (httpStatus !== undefined && !contentType.startsWith("application/grpc"))
        return settle(new GrpcError(GrpcStatus.UNKNOWN, `unexpected content-type "${contentType}"`));
      const rst = stream.rstCode;
      if (rst === http2.constants.NGHTTP2_CANCEL && !session.destroyed && !session.closed && !streamError)
        return settle(new GrpcError(GrpcStatus.CANCELLED, "stream cancelled by the server"));
      if (streamError || session.destroyed || session.closed || rst === http2.constants.NGHTTP2_REFUSED_STREAM) {
        const why =
          streamError?.message ?? (session.destroyed || session.closed ? "connection closed" : `stream refused`);
        return settle(new GrpcError(GrpcStatus.UNAVAILABLE, why, { cause: streamError }));
      }
      if (rst !== undefined && rst !== http2.constants.NGHTTP2_NO_ERROR)
        return settle(new GrpcError(GrpcStatus.INTERNAL, `stream reset by the server (HTTP/2 error ${rst})`));
      settle(new GrpcError(GrpcStatus.INTERNAL, "stream ended without grpc-status"));
    });
    stream.end(encodeGrpcFrame(request));
  });
}

/** Unary call: exactly one response message. */
export async function grpcUnary(
  session: http2.ClientHttp2Session,
  path: string,
  request: Uint8Array,
  opts: CallOptions = {},
): Promise<Buffer> {
  const messages: Buffer[] = [];
  await grpcCall(session, path, request, opts, (m) => {
    messages.push(m);
  });
  if (messages.length !== 1)
    throw new GrpcError(GrpcStatus.INTERNAL, `unary call ${path} got ${messages.length} response messages`);
  return messages[0];
}

/**
 * Server-streaming call as an async iterable of raw messages. The call starts when iteration starts; leaving the
 * loop early cancels the stream. Reading pauses the HTTP/2 stream while the consumer lags (flow control).
 */
export async function* grpcServerStream(
  session: http2.ClientHttp2Session,
  path: string,
  request: Uint8Array,
  opts: CallOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | null = null;
  let stream: http2.ClientHttp2Stream | undefined;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  grpcCall(
    session,
    path,
    request,
    opts,
    (m) => {
      queue.push(m);
      if (queue.length >= 64) stream?.pause();
      notify();
    },
    (s) => {
      stream = s;
    },
  ).then(
    () => {
      ended = true;
      notify();
    },
    (err) => {
      failure = err;
      ended = true;
      notify();
    },
  );
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        if (queue.length < 16 && stream?.isPaused()) stream.resume();
        yield next;
        continue;
      }
      if (ended) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    if (!ended && stream && !stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}

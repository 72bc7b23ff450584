import http2 from "node:http2";
import net from "node:net";
import { parseBuildkitAddr, type BuildkitAddress } from "./address.js";

/** Bound on connecting (socket + h2c upgrade + HTTP/2 session) when the caller gives none. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Largest HTTP/1.1 response head accepted from the Docker engine's `/grpc` upgrade. */
const MAX_UPGRADE_HEAD = 64 * 1024;

export interface ConnectOptions {
  /** Bound on the whole connect (default 5 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The daemon could not be reached or did not speak HTTP/2 (refused, missing socket, reset, failed h2c upgrade,
 * timeout). Always worth retrying later (SPEC §3.6). `message` is the bare cause (`connect ENOENT /path`); the
 * address is in `addr`.
 */
export class BuildkitConnectError extends Error {
  readonly addr: string;
  readonly code?: string;
  constructor(addr: string, message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "BuildkitConnectError";
    this.addr = addr;
    this.code = options.code;
  }
}

function toConnectError(addr: string, err: unknown): BuildkitConnectError {
  if (err instanceof BuildkitConnectError) return err;
  const e = err as NodeJS.ErrnoException;
  return new BuildkitConnectError(addr, e?.message ?? String(err), { code: e?.code, cause: err });
}

/**
 * Run `start` (which wires up resolve/reject through the given callbacks and returns a cleanup) bounded by a
 * timeout and an abort signal. `onFail` runs when the timeout or the signal wins, to drop half-open resources.
 */
function bounded<T>(
  addr: string,
  opts: ConnectOptions,
  onFail: () => void,
  start: (resolve: (v: T) => void, reject: (e: unknown) => void) => () => void,
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let cleanup: () => void = () => {};
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      cleanup();
      fn();
    };
    const fail = (err: BuildkitConnectError) =>
      finish(() => {
        onFail();
        reject(err);
      });
    const onAbort = () => fail(new BuildkitConnectError(addr, "connect aborted", { cause: opts.signal?.reason }));
    const timer = setTimeout(
      () => fail(new BuildkitConnectError(addr, `connect timed out after ${timeoutMs}ms`, { code: "ETIMEDOUT" })),
      timeoutMs,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const stop = start(
      (v) => finish(() => resolve(v)),
      (e) =>
        finish(() => {
          onFail();
          reject(toConnectError(addr, e));
        }),
    );
    if (done) stop();
    else cleanup = stop;
  });
}

/** Wait for a client session's `connect`; errors before that reject. Keeps an `error` listener for later. */
function awaitSession(
  addr: string,
  session: http2.ClientHttp2Session,
  opts: ConnectOptions,
): Promise<http2.ClientHttp2Session> {
  // An unhandled 'error' on a session would crash the process; stream calls observe failures themselves.
  session.on("error", () => {});
  return bounded<http2.ClientHttp2Session>(
    addr,
    opts,
    () => session.destroy(),
    (resolve, reject) => {
      const onConnect = () => resolve(session);
      const onError = (err: Error) => reject(err);
      const onClose = () => reject(new BuildkitConnectError(addr, "connection closed before HTTP/2 was established"));
      session.once("connect", onConnect);
      session.once("error", onError);
      session.once("close", onClose);
      return () => {
        session.off("connect", onConnect);
        session.off("error", onError);
        session.off("close", onClose);
      };
    },
  );
}

/** Parsed head of an HTTP/1.1 response: status line pieces and the bytes that followed the blank line. */
export interface UpgradeHead {
  statusCode: number;
  statusLine: string;
  headers: Record<string, string>;
  leftover: Buffer;
}

/** Parse an HTTP/1.1 response head out of `buf`; null while the blank line has not arrived yet. */
export function parseResponseHead(buf: Buffer): UpgradeHead | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const statusLine = lines[0];
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { statusCode: m ? Number(m[1]) : 0, statusLine, headers, leftover: buf.subarray(end + 4) };
}

/** Connect a unix socket and perform the Docker engine's `POST /grpc` h2c upgrade; resolves with the raw socket. */
function dockerUpgrade(
  addr: string,
  path: string,
  opts: ConnectOptions,
): Promise<{ socket: net.Socket; leftover: Buffer }> {
  const socket = net.connect(path);
  return bounded<{ socket: net.Socket; leftover: Buffer }>(
    addr,
    opts,
    () => socket.destroy(),
    (resolve, reject) => {
      let buf = Buffer.alloc(0);
      const onConnect = () => {
        socket.write(
          "POST /grpc HTTP/1.1\r\nHost: docker\r\nUser-Agent: slipway-buildkit\r\n" +
            "Connection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n",
        );
      };
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const head = parseResponseHead(buf);
        if (!head) {
          if (buf.length > MAX_UPGRADE_HEAD)
            reject(new BuildkitConnectError(addr, "docker /grpc upgrade: response head too large"));
          return;
        }
        // Stop the flow before handing over: nothing may be read (and lost) between here and the HTTP/2 session.
        socket.pause();
        if (head.statusCode !== 101) {
          const body = head.leftover.toString("utf8").replace(/\s+/g, " ").trim().slice(0, 200);
          return reject(
            new BuildkitConnectError(
              addr,
              `docker /grpc upgrade failed: ${head.statusLine}${body ? `: ${body}` : ""}`,
              { code: "EUPGRADE" },
            ),
          );
        }
        const upgrade = (head.headers.upgrade ?? "").toLowerCase();
        if (upgrade && upgrade !== "h2c")
          return reject(new BuildkitConnectError(addr, `docker /grpc upgrade: unexpected protocol ${upgrade}`));
        resolve({ socket, leftover: head.leftover });
      };
      const onError = (err: Error) => reject(err);
      const onClose = () =>
        reject(new BuildkitConnectError(addr, "docker /grpc upgrade: connection closed", { code: "ECONNRESET" }));
      socket.once("connect", onConnect);
      socket.on("data", onData);
      socket.once("error", onError);
      socket.once("close", onClose);
      return () => {
        socket.off("connect", onConnect);
        socket.off("data", onData);
        socket.off("error", onError);
        socket.off("close", onClose);
      };
    },
  );
}

/**
 * Open an HTTP/2 client session to a BuildKit address (SPEC §9.2):
 * `unix://` and `tcp://` speak HTTP/2 prior knowledge; `docker-unix://` first upgrades `POST /grpc` to h2c on the
 * Docker engine socket. Failures (including the timeout) reject with `BuildkitConnectError`.
 */
export async function connectBuildkit(
  address: string | BuildkitAddress,
  opts: ConnectOptions = {},
): Promise<http2.ClientHttp2Session> {
  const a = typeof address === "string" ? parseBuildkitAddr(address) : address;
  const settings: http2.ClientSessionOptions = {};
  if (a.scheme === "unix") {
    const session = http2.connect("http://localhost", { ...settings, createConnection: () => net.connect(a.path) });
    return awaitSession(a.raw, session, opts);
  }
  if (a.scheme === "tcp") {
    const host = a.host.includes(":") ? `[${a.host}]` : a.host;
    const session = http2.connect(`http://${host}:${a.port}`, settings);
    return awaitSession(a.raw, session, opts);
  }
  const started = Date.now();
  const { socket, leftover } = await dockerUpgrade(a.raw, a.path, opts);
  if (leftover.length > 0) socket.unshift(leftover);
  const remaining = Math.max(1, (opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) - (Date.now() - started));
  const session = http2.connect("http://localhost", { ...settings, createConnection: () => socket });
  return awaitSession(a.raw, session, { ...opts, timeoutMs: remaining });
}

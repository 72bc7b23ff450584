// Test-only: an in-process gRPC-over-HTTP/2 server that plays a BuildKit daemon for the unit tests beside it.
// Imported by *.test.ts only; nothing in the product imports it.
import http2 from "node:http2";
import net from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeGrpcFrame, GrpcFrameDecoder } from "./grpc.js";

export interface FakeCall {
  method: string;
  headers: http2.IncomingHttpHeaders;
  /** The decoded request message (first frame). */
  request: Buffer;
  stream: http2.ServerHttp2Stream;
}

export type FakeHandler = (call: FakeCall) => unknown;

export interface FakeDaemonOptions {
  handlers: Record<string, FakeHandler>;
  /**
   * `unix`: HTTP/2 prior knowledge on the socket. `docker-unix`: answers `POST /grpc` with 101 and hands the socket
   * to the HTTP/2 server. `docker-unix-leftover`: the 101 head and the HTTP/2 server's first bytes go out in one
   * write, so the client sees HTTP/2 data right after the response head.
   */
  mode?: "unix" | "docker-unix" | "docker-unix-leftover";
  /** Status line answered to the upgrade request (default `101 Switching Protocols`). */
  upgradeStatusLine?: string;
  /** Called when a client connects to the daemon's socket. */
  onConnection?: () => void;
}

export interface FakeDaemon {
  addr: string;
  socketPath: string;
  dir: string;
  calls: FakeCall[];
  upgradeRequests: string[];
  /** Chunks written by the docker front before piping (docker-unix-leftover). */
  upgradeWrites: Buffer[];
  close(): Promise<void>;
}

/** Reply with messages then `grpc-status` in trailers. */
export function reply(stream: http2.ServerHttp2Stream, messages: Uint8Array[], code = 0, message = ""): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => {
    const t: http2.OutgoingHttpHeaders = { "grpc-status": String(code) };
    if (message) t["grpc-message"] = encodeURIComponent(message);
    stream.sendTrailers(t);
  });
  for (const m of messages) stream.write(encodeGrpcFrame(m));
  stream.end();
}

/** Reply with a trailers-only response (status in the headers, END_STREAM). */
export function replyTrailersOnly(stream: http2.ServerHttp2Stream, code: number, message = ""): void {
  if (stream.destroyed || stream.closed) return;
  const h: http2.OutgoingHttpHeaders = {
    ":status": 200,
    "content-type": "application/grpc",
    "grpc-status": String(code),
  };
  if (message) h["grpc-message"] = encodeURIComponent(message);
  stream.respond(h, { endStream: true });
}

function attach(server: http2.Http2Server, opts: FakeDaemonOptions, calls: FakeCall[]): void {
  server.on("stream", (raw, headers) => {
    const stream = raw as http2.ServerHttp2Stream;
    const path = String(headers[":path"] ?? "");
    const method = path.replace(/^\/moby\.buildkit\.v1\.Control\//, "");
    const decoder = new GrpcFrameDecoder();
    const frames: Buffer[] = [];
    stream.on("data", (c: Buffer) => frames.push(...decoder.push(c)));
    stream.on("error", () => {});
    stream.on("end", () => {
      const call: FakeCall = { method, headers, request: frames[0] ?? Buffer.alloc(0), stream };
      calls.push(call);
      const h = opts.handlers[method];
      if (!h) return replyTrailersOnly(stream, 12, `unknown method ${path}`);
      Promise.resolve(h(call)).catch((err) => replyTrailersOnly(stream, 13, String(err)));
    });
  });
  server.on("sessionError", () => {});
}

/** Read an HTTP/1.1 request head off a socket. */
function readHead(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.pause();
      socket.off("data", onData);
      resolve(buf.subarray(0, end).toString("latin1"));
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

export async function startFakeDaemon(opts: FakeDaemonOptions): Promise<FakeDaemon> {
  const dir = await mkdtemp(join(tmpdir(), "bk-fake-"));
  const socketPath = join(dir, "d.sock");
  const calls: FakeCall[] = [];
  const upgradeRequests: string[] = [];
  const upgradeWrites: Buffer[] = [];
  const h2 = http2.createServer();
  attach(h2, opts, calls);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  };
  const mode = opts.mode ?? "unix";
  const statusLine = opts.upgradeStatusLine ?? "101 Switching Protocols";
  const upgradeHead = `HTTP/1.1 ${statusLine}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`;
  let front: net.Server;
  let backendPath = "";
  if (mode === "unix") {
    front = net.createServer((s) => {
      track(s);
      h2.emit("connection", s);
    });
  } else if (mode === "docker-unix") {
    front = net.createServer(async (s) => {
      track(s);
      upgradeRequests.push(await readHead(s));
      if (!statusLine.startsWith("101")) {
        s.end(`${upgradeHead.replace("\r\n\r\n", "\r\nContent-Type: text/plain\r\n\r\n")}no upgrade for you\n`);
        return;
      }
      s.write(upgradeHead);
      h2.emit("connection", s);
      s.resume();
    });
  } else {
    // The HTTP/2 server listens on a private socket; the front reads the upgrade request, connects to the backend,
    // waits for the backend's first bytes (its SETTINGS preface) and writes them in the same chunk as the 101 head.
    backendPath = join(dir, "backend.sock");
    const backend = net.createServer((s) => {
      track(s);
      h2.emit("connection", s);
    });
    await new Promise<void>((r) => backend.listen(backendPath, r));
    front = net.createServer(async (s) => {
      track(s);
      upgradeRequests.push(await readHead(s));
      const b = net.connect(backendPath);
      track(b);
      const first: Buffer = await new Promise((r) => b.once("data", r));
      const chunk = Buffer.concat([Buffer.from(upgradeHead, "latin1"), first]);
      upgradeWrites.push(chunk);
      s.write(chunk);
      b.pipe(s);
      s.pipe(b);
      s.resume();
      s.on("close", () => b.destroy());
      b.on("close", () => s.destroy());
    });
    front.on("close", () => backend.close());
  }
  if (opts.onConnection) front.on("connection", () => opts.onConnection?.());
  await new Promise<void>((r) => front.listen(socketPath, r));
  return {
    addr: `${mode === "unix" ? "unix" : "docker-unix"}://${socketPath}`,
    socketPath,
    dir,
    calls,
    upgradeRequests,
    upgradeWrites,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => front.close(() => r()));
      await new Promise<void>((r) => h2.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

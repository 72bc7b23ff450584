import type http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { connectBuildkit } from "./transport.js";
import {
  decodeGrpcMessage,
  encodeGrpcFrame,
  GrpcError,
  GrpcFrameDecoder,
  GrpcStatus,
  grpcServerStream,
  grpcTimeoutHeader,
  grpcUnary,
  httpStatusToGrpc,
} from "./grpc.js";
import { reply, replyTrailersOnly, startFakeDaemon, type FakeDaemon } from "./fake-daemon.js";

describe("gRPC framing", () => {
  it("encodes flag + big-endian length + message", () => {
    expect(encodeGrpcFrame(Buffer.from("abc")).toString("hex")).toBe("0000000003616263");
    expect(encodeGrpcFrame(Buffer.alloc(0)).toString("hex")).toBe("0000000000");
    const big = encodeGrpcFrame(Buffer.alloc(0x01020304 & 0xffff)); // 0x0304 bytes
    expect(big.subarray(0, 5).toString("hex")).toBe("0000000304");
  });

  it("decodes frames split across chunks, byte by byte", () => {
    const wire = Buffer.concat([encodeGrpcFrame(Buffer.from("hello")), encodeGrpcFrame(Buffer.from("world!"))]);
    const d = new GrpcFrameDecoder();
    const out: string[] = [];
    for (const b of wire) out.push(...d.push(Buffer.from([b])).map(String));
    expect(out).toEqual(["hello", "world!"]);
    expect(d.buffered).toBe(0);
  });

  it("decodes several frames merged into one chunk, with a partial tail", () => {
    const wire = Buffer.concat([
      encodeGrpcFrame(Buffer.from("a")),
      encodeGrpcFrame(Buffer.alloc(0)),
      encodeGrpcFrame(Buffer.from("bcd")),
      encodeGrpcFrame(Buffer.from("tail")),
    ]);
    const d = new GrpcFrameDecoder();
    const first = d.push(wire.subarray(0, wire.length - 2));
    expect(first.map(String)).toEqual(["a", "", "bcd"]);
    expect(d.buffered).toBe(7);
    expect(d.push(wire.subarray(wire.length - 2)).map(String)).toEqual(["tail"]);
    expect(d.buffered).toBe(0);
  });

  it("splits inside the 5-byte prefix", () => {
    const wire = encodeGrpcFrame(Buffer.from("xyz"));
    const d = new GrpcFrameDecoder();
    expect(d.push(wire.subarray(0, 3))).toEqual([]);
    expect(d.push(wire.subarray(3, 6))).toEqual([]);
    expect(d.push(wire.subarray(6)).map(String)).toEqual(["xyz"]);
  });

  it("rejects compressed and oversized frames", () => {
    expect(() => new GrpcFrameDecoder().push(Buffer.from("0100000001aa", "hex"))).toThrow(/compressed/);
    const err = (() => {
      try {
        new GrpcFrameDecoder(4).push(Buffer.from("0000000005", "hex"));
      } catch (e) {
        return e as GrpcError;
      }
    })();
    expect(err).toBeInstanceOf(GrpcError);
    expect(err?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it("formats grpc-timeout and decodes grpc-message", () => {
    expect(grpcTimeoutHeader(1000)).toBe("1000m");
    expect(grpcTimeoutHeader(0.4)).toBe("1m");
    expect(grpcTimeoutHeader(120_000)).toBe("120000m");
    expect(grpcTimeoutHeader(100_000_000)).toBe("100000S");
    expect(decodeGrpcMessage("failed%20to%20solve%3A%20%22x%22")).toBe('failed to solve: "x"');
    expect(decodeGrpcMessage("100%")).toBe("100%");
    expect(httpStatusToGrpc(503)).toBe(GrpcStatus.UNAVAILABLE);
    expect(httpStatusToGrpc(404)).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(httpStatusToGrpc(500)).toBe(GrpcStatus.UNKNOWN);
  });
});

describe("gRPC calls against an in-test HTTP/2 server", () => {
  let daemon: FakeDaemon | undefined;
  let session: http2.ClientHttp2Session | undefined;
  afterEach(async () => {
    session?.destroy();
    session = undefined;
    await daemon?.close();
    daemon = undefined;
  });

  async function setup(handlers: Parameters<typeof startFakeDaemon>[0]["handlers"]) {
    daemon = await startFakeDaemon({ handlers });
    session = await connectBuildkit(daemon.addr, { timeoutMs: 5000 });
    return session;
  }

  async function failure(p: Promise<unknown>): Promise<GrpcError> {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(GrpcError);
      return err as GrpcError;
    }
    throw new Error("expected the call to fail");
  }

  it("sends the gRPC request headers and echoes a unary call", async () => {
    const s = await setup({ Echo: (c) => reply(c.stream, [Buffer.concat([Buffer.from("echo:"), c.request])]) });
    const res = await grpcUnary(s, "/moby.buildkit.v1.Control/Echo", Buffer.from("ping"), { deadlineMs: 3000 });
    expect(res.toString()).toBe("echo:ping");
    const h = daemon!.calls[0].headers;
    expect(h[":method"]).toBe("POST");
    expect(h[":path"]).toBe("/moby.buildkit.v1.Control/Echo");
    expect(h["content-type"]).toBe("application/grpc");
    expect(h.te).toBe("trailers");
    expect(h["grpc-timeout"]).toBe("3000m");
  });

  it("maps grpc-status/grpc-message from trailers", async () => {
    const s = await setup({
      Solve: (c) => reply(c.stream, [], GrpcStatus.UNKNOWN, 'failed to compute cache key: "/missing.txt" not found'),
    });
    const err = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/Solve", Buffer.alloc(0)));
    expect(err.code).toBe(GrpcStatus.UNKNOWN);
    expect(err.codeName).toBe("UNKNOWN");
    expect(err.details).toBe('failed to compute cache key: "/missing.txt" not found');
    expect(err.message).toBe(err.details);
  });

  it("maps a trailers-only response (status in headers)", async () => {
    const s = await setup({ X: (c) => replyTrailersOnly(c.stream, GrpcStatus.UNAVAILABLE, "shutting down") });
    const err = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/X", Buffer.alloc(0)));
    expect(err.code).toBe(14);
    expect(err.details).toBe("shutting down");
    const unknown = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/Nope", Buffer.alloc(0)));
    expect(unknown.code).toBe(GrpcStatus.UNIMPLEMENTED);
  });

  it("maps a non-200 HTTP status and a missing grpc-status", async () => {
    const s = await setup({
      Http: (c) => c.stream.respond({ ":status": 503 }, { endStream: true }),
      NoStatus: (c) => {
        c.stream.respond({ ":status": 200, "content-type": "application/grpc" });
        c.stream.end(encodeGrpcFrame(Buffer.from("x")));
      },
    });
    expect((await failure(grpcUnary(s, "/moby.buildkit.v1.Control/Http", Buffer.alloc(0)))).code).toBe(14);
    const e = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/NoStatus", Buffer.alloc(0)));
    expect(e.code).toBe(GrpcStatus.INTERNAL);
    expect(e.message).toMatch(/without grpc-status/);
  });

  it("enforces the deadline locally with DEADLINE_EXCEEDED (code 4)", async () => {
    const s = await setup({ Slow: () => {} });
    const t0 = Date.now();
    const e = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/Slow", Buffer.alloc(0), { deadlineMs: 150 }));
    expect(e.code).toBe(4);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("cancels on abort with CANCELLED and resets the stream", async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((r) => (serverSawClose = r));
    const s = await setup({ Slow: (c) => c.stream.on("close", () => serverSawClose()) });
    const ctrl = new AbortController();
    const p = grpcUnary(s, "/moby.buildkit.v1.Control/Slow", Buffer.alloc(0), { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(new Error("stop")), 50);
    const e = await failure(p);
    expect(e.code).toBe(GrpcStatus.CANCELLED);
    await closed;
    const pre = await failure(grpcUnary(s, "/x", Buffer.alloc(0), { signal: AbortSignal.abort() }));
    expect(pre.code).toBe(GrpcStatus.CANCELLED);
  });

  it("reports a dropped connection as UNAVAILABLE", async () => {
    const s = await setup({ Drop: (c) => c.stream.session?.destroy() });
    const e = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/Drop", Buffer.alloc(0)));
    expect(e.code).toBe(GrpcStatus.UNAVAILABLE);
    const after = await failure(grpcUnary(s, "/moby.buildkit.v1.Control/Drop", Buffer.alloc(0)));
    expect(after.code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it("streams server messages (merged into one DATA write) and ends on status 0", async () => {
    const s = await setup({
      Stream: (c) => {
        c.stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        c.stream.once("wantTrailers", () => c.stream.sendTrailers({ "grpc-status": "0" }));
        const frames = [1, 2, 3, 4, 5].map((i) => encodeGrpcFrame(Buffer.from(`m${i}`)));
        c.stream.write(Buffer.concat(frames.slice(0, 3)));
        const rest = Buffer.concat(frames.slice(3));
        c.stream.write(rest.subarray(0, 4));
        setTimeout(() => c.stream.end(rest.subarray(4)), 20);
      },
    });
    const got: string[] = [];
    for await (const m of grpcServerStream(s, "/moby.buildkit.v1.Control/Stream", Buffer.alloc(0))) got.push(String(m));
    expect(got).toEqual(["m1", "m2", "m3", "m4", "m5"]);
  });

  it("a stream that fails after messages throws after yielding them", async () => {
    const s = await setup({ Stream: (c) => reply(c.stream, [Buffer.from("a")], GrpcStatus.NOT_FOUND, "no such job") });
    const got: string[] = [];
    let err: unknown;
    try {
      for await (const m of grpcServerStream(s, "/moby.buildkit.v1.Control/Stream", Buffer.alloc(0)))
        got.push(String(m));
    } catch (e) {
      err = e;
    }
    expect(got).toEqual(["a"]);
    expect((err as GrpcError).code).toBe(GrpcStatus.NOT_FOUND);
    expect((err as GrpcError).details).toBe("no such job");
  });

  it("breaking out of a stream cancels it on the server", async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((r) => (serverSawClose = r));
    const s = await setup({
      Stream: (c) => {
        c.stream.on("close", () => serverSawClose());
        c.stream.respond({ ":status": 200, "content-type": "application/grpc" });
        c.stream.write(encodeGrpcFrame(Buffer.from("first")));
      },
    });
    // Take the first message and leave the loop early: the iterator's return() must cancel the call.
    const stream = grpcServerStream(s, "/moby.buildkit.v1.Control/Stream", Buffer.alloc(0))[Symbol.asyncIterator]();
    const first = await stream.next();
    expect(String(first.value)).toBe("first");
    await stream.return?.();
    await closed;
  });
});

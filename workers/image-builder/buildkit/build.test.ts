import { afterEach, describe, expect, it } from "vitest";
import { StepError } from "../../types.js";
import { CircuitBreaker, CircuitOpenError } from "./circuit-breaker.js";
import {
  decodeSolveRequest,
  decodeStatusRequest,
  encodeSolveResponse,
  encodeStatusResponse,
  type StatusResponse,
  type Vertex,
} from "./control.js";
import { formatBuildDuration, runBuild, defaultExporter, type VertexEvent } from "./build.js";
import { encodeGrpcFrame, GrpcStatus } from "./grpc.js";
import { reply, replyTrailersOnly, startFakeDaemon, type FakeDaemon, type FakeHandler } from "./fake-daemon.js";

const T0 = new Date(1_700_000_000_000);
const v = (digest: string, name: string, extra: Partial<Vertex> = {}): Vertex => ({
  digest,
  inputs: [],
  name,
  cached: false,
  error: "",
  ...extra,
});
const status = (s: Partial<StatusResponse>): Uint8Array =>
  encodeStatusResponse({ vertexes: [], statuses: [], logs: [], warnings: [], ...s });

/** Status handler: sends `updates` (one message each), then ends when `done` settles. */
function statusHandler(updates: Uint8Array[], done: Promise<unknown>): FakeHandler {
  return (c) => {
    c.stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    c.stream.once("wantTrailers", () => c.stream.sendTrailers({ "grpc-status": "0" }));
    c.stream.on("error", () => {});
    for (const u of updates) c.stream.write(encodeGrpcFrame(u));
    void done.finally(() => setTimeout(() => !c.stream.closed && c.stream.end(), 10));
  };
}

async function stepFailure(p: Promise<unknown>): Promise<StepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StepError);
    return err as StepError;
  }
  throw new Error("expected runBuild to fail");
}

describe("formatBuildDuration / defaultExporter", () => {
  it("prints durations like 2m, 90s, 500ms", () => {
    expect(formatBuildDuration(120_000)).toBe("2m");
    expect(formatBuildDuration(90_000)).toBe("90s");
    expect(formatBuildDuration(500)).toBe("500ms");
    expect(formatBuildDuration(1500)).toBe("1500ms");
    expect(formatBuildDuration(3_600_000)).toBe("1h");
    expect(formatBuildDuration(0)).toBe("0ms");
  });
  it("uses moby for the Docker engine and image otherwise", () => {
    expect(defaultExporter("docker-unix:///var/run/docker.sock")).toBe("moby");
    expect(defaultExporter("unix:///run/buildkit/buildkitd.sock")).toBe("image");
    expect(defaultExporter("tcp://h:1234")).toBe("image");
  });
});

describe("runBuild against an in-test daemon", () => {
  let daemon: FakeDaemon | undefined;
  afterEach(async () => {
    await daemon?.close();
    daemon = undefined;
  });

  it("solves with the dockerfile frontend, streams status of the same ref, returns the digest", async () => {
    let solved!: () => void;
    const solveDone = new Promise<void>((r) => (solved = r));
    const updates = [
      status({ vertexes: [v("sha256:a", "[internal] load remote build context")] }),
      status({ vertexes: [v("sha256:a", "[internal] load remote build context", { started: T0, completed: T0 })] }),
      status({ vertexes: [v("sha256:b", "[1/2] COPY hello.txt /", { cached: true, started: T0, completed: T0 })] }),
      status({
        vertexes: [v("sha256:c", "[2/2] RUN make")],
        logs: [{ vertex: "sha256:c", stream: 1, msg: Buffer.from("line one\nline t"), timestamp: T0 }],
      }),
      status({
        logs: [{ vertex: "sha256:c", stream: 1, msg: Buffer.from("wo\r\nno newline"), timestamp: T0 }],
        warnings: [{ vertex: "sha256:c", level: 1, short: Buffer.from("deprecated thing"), detail: [], url: "" }],
      }),
      status({ vertexes: [v("sha256:c", "[2/2] RUN make", { started: T0, completed: T0 })] }),
    ];
    daemon = await startFakeDaemon({
      handlers: {
        Status: statusHandler(updates, solveDone),
        Solve: (c) =>
          setTimeout(() => {
            reply(c.stream, [encodeSolveResponse({ exporterResponse: { "containerimage.digest": "sha256:feed" } })]);
            solved();
          }, 100),
      },
    });
    const events: VertexEvent[] = [];
    const logs: string[] = [];
    const res = await runBuild({
      addr: daemon.addr,
      contextUrl: "http://127.0.0.1:9/_build/context/abc.tar",
      imageName: "local/app:0123456789ab",
      timeoutMs: 10_000,
      onVertex: (e) => events.push(e),
      onLog: (l) => logs.push(l),
    });
    expect(res).toEqual({
      digest: "sha256:feed",
      exporter: "image",
      exporterResponse: { "containerimage.digest": "sha256:feed" },
      ref: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const solve = decodeSolveRequest(daemon.calls.find((c) => c.method === "Solve")!.request);
    expect(solve).toEqual({
      ref: res.ref,
      exporter: "image",
      exporterAttrs: { name: "local/app:0123456789ab" },
      session: "",
      frontend: "dockerfile.v0",
      frontendAttrs: { context: "http://127.0.0.1:9/_build/context/abc.tar", filename: "Dockerfile" },
      entitlements: [],
    });
    expect(decodeStatusRequest(daemon.calls.find((c) => c.method === "Status")!.request).ref).toBe(res.ref);
    expect(events).toEqual([
      { name: "[internal] load remote build context" },
      { name: "[internal] load remote build context", completed: true },
      { name: "[1/2] COPY hello.txt /" },
      { name: "[1/2] COPY hello.txt /", cached: true },
      { name: "[1/2] COPY hello.txt /", completed: true },
      { name: "[2/2] RUN make" },
      { name: "[2/2] RUN make", completed: true },
    ]);
    expect(logs).toEqual(["line one", "line two", "warning: deprecated thing", "no newline"]);
  });

  it("connects while the caller is still building the context, then solves with its URL", async () => {
    let connected!: () => void;
    const sawConnection = new Promise<void>((r) => (connected = r));
    daemon = await startFakeDaemon({
      onConnection: () => connected(),
      handlers: {
        Status: statusHandler([], Promise.resolve()),
        Solve: (c) => reply(c.stream, [encodeSolveResponse({ exporterResponse: {} })]),
      },
    });
    // The context is only ready once the daemon saw the connection: a runBuild that waited for it would hang.
    const contextUrl = sawConnection.then(() => "http://127.0.0.1:9/_build/context/late.tar");
    await runBuild({ addr: daemon.addr, contextUrl, imageName: "local/a:b", timeoutMs: 10_000 });
    const solve = decodeSolveRequest(daemon.calls.find((c) => c.method === "Solve")!.request);
    expect(solve.frontendAttrs?.context).toBe("http://127.0.0.1:9/_build/context/late.tar");
  });

  it("throws a failed context as it is and sends no Solve", async () => {
    daemon = await startFakeDaemon({ handlers: {} });
    const failure = new StepError("build context: tree unreadable");
    await expect(
      runBuild({ addr: daemon.addr, contextUrl: Promise.reject(failure), imageName: "local/a:b", timeoutMs: 5000 }),
    ).rejects.toBe(failure);
    expect(daemon.calls).toEqual([]);
  });

  it("defaults to the moby exporter over docker-unix://", async () => {
    daemon = await startFakeDaemon({
      mode: "docker-unix",
      handlers: {
        Status: (c) => replyTrailersOnly(c.stream, 0),
        Solve: (c) => reply(c.stream, [encodeSolveResponse({ exporterResponse: {} })]),
      },
    });
    const res = await runBuild({
      addr: daemon.addr,
      contextUrl: "http://x/c.tar",
      imageName: "local/a:b",
      timeoutMs: 5000,
    });
    expect(res.exporter).toBe("moby");
    expect(res.digest).toBeUndefined();
    expect(decodeSolveRequest(daemon.calls.find((c) => c.method === "Solve")!.request).exporter).toBe("moby");
  });

  it("a build error is permanent and carries the daemon's message; the failing vertex is reported", async () => {
    let failed!: () => void;
    const done = new Promise<void>((r) => (failed = r));
    const msg = 'failed to compute cache key: "/missing.txt" not found: not found';
    daemon = await startFakeDaemon({
      handlers: {
        Status: statusHandler(
          [
            status({ vertexes: [v("sha256:x", "[1/1] COPY missing.txt /")] }),
            status({
              vertexes: [
                v("sha256:x", "[1/1] COPY missing.txt /", { completed: T0, error: '"/missing.txt" not found' }),
              ],
            }),
          ],
          done,
        ),
        Solve: (c) =>
          setTimeout(() => {
            reply(c.stream, [], GrpcStatus.UNKNOWN, msg);
            failed();
          }, 50),
      },
    });
    const events: VertexEvent[] = [];
    const err = await stepFailure(
      runBuild({
        addr: daemon.addr,
        contextUrl: "http://x/c.tar",
        imageName: "local/a:b",
        timeoutMs: 5000,
        onVertex: (e) => events.push(e),
      }),
    );
    expect(err.transient).toBe(false);
    expect(err.message).toBe(`buildkit build failed: ${msg}`);
    expect(events).toContainEqual({ name: "[1/1] COPY missing.txt /", error: '"/missing.txt" not found' });
    expect(events).not.toContainEqual(expect.objectContaining({ completed: true }));
  });

  it("times out with a transient `buildkit build timed out after <d>` and cancels the Solve", async () => {
    let solveClosed!: () => void;
    const closed = new Promise<void>((r) => (solveClosed = r));
    daemon = await startFakeDaemon({
      handlers: {
        Status: statusHandler([], closed),
        Solve: (c) => c.stream.on("close", () => solveClosed()),
      },
    });
    const t0 = Date.now();
    const err = await stepFailure(
      runBuild({ addr: daemon.addr, contextUrl: "http://x/c.tar", imageName: "local/a:b", timeoutMs: 300 }),
    );
    expect(err.message).toBe("buildkit build timed out after 300ms");
    expect(err.transient).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    await closed;
    expect(daemon.calls.find((c) => c.method === "Solve")!.headers["grpc-timeout"]).toMatch(/^\d+m$/);
  });

  it("UNAVAILABLE and a dropped connection are transient", async () => {
    daemon = await startFakeDaemon({
      handlers: {
        Status: (c) => replyTrailersOnly(c.stream, 0),
        Solve: (c) => replyTrailersOnly(c.stream, GrpcStatus.UNAVAILABLE, "buildkit is shutting down"),
      },
    });
    const breaker = new CircuitBreaker(daemon.addr);
    const err = await stepFailure(
      runBuild({ addr: daemon.addr, contextUrl: "http://x/c.tar", imageName: "local/a:b", timeoutMs: 5000, breaker }),
    );
    expect(err.transient).toBe(true);
    expect(err.message).toBe(`buildkit daemon unreachable at ${daemon.addr}: buildkit is shutting down`);
    expect(breaker.consecutiveFailures).toBe(1);
    await daemon.close();
    daemon = await startFakeDaemon({
      handlers: { Status: () => {}, Solve: (c) => c.stream.session?.destroy() },
    });
    const dropped = await stepFailure(
      runBuild({ addr: daemon.addr, contextUrl: "http://x/c.tar", imageName: "local/a:b", timeoutMs: 5000 }),
    );
    expect(dropped.transient).toBe(true);
    expect(dropped.message).toMatch(/^buildkit daemon unreachable at unix:\/\//);
  });

  it("an unreachable daemon is transient; 3 in a row open the circuit for 30 s", async () => {
    let now = 0;
    const addr = "unix:///nonexistent-slipway-test/buildkitd.sock";
    const breaker = new CircuitBreaker(addr, { now: () => now });
    const opts = { addr, contextUrl: "http://x/c.tar", imageName: "local/a:b", timeoutMs: 5000, breaker };
    for (let i = 0; i < 3; i++) {
      const err = await stepFailure(runBuild(opts));
      expect(err.transient).toBe(true);
      expect(err.message).toBe(
        `buildkit daemon unreachable at ${addr}: connect ENOENT /nonexistent-slipway-test/buildkitd.sock`,
      );
    }
    const open = await stepFailure(runBuild(opts));
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open.transient).toBe(true);
    expect(open.message).toBe(
      `buildkit circuit open for ${addr}: connect ENOENT /nonexistent-slipway-test/buildkitd.sock`,
    );
    now += 30_000;
    expect((await stepFailure(runBuild(opts))).message).toMatch(/^buildkit daemon unreachable/);
  });

  it("caps vertex events at 500", async () => {
    let solved!: () => void;
    const done = new Promise<void>((r) => (solved = r));
    const many = Array.from({ length: 300 }, (_, i) => v(`sha256:${i}`, `step ${i}`, { completed: T0 }));
    daemon = await startFakeDaemon({
      handlers: {
        Status: statusHandler([status({ vertexes: many.slice(0, 150) }), status({ vertexes: many.slice(150) })], done),
        Solve: (c) =>
          setTimeout(() => {
            reply(c.stream, [encodeSolveResponse({ exporterResponse: {} })]);
            solved();
          }, 100),
      },
    });
    let n = 0;
    await runBuild({
      addr: daemon.addr,
      contextUrl: "http://x/c.tar",
      imageName: "local/a:b",
      timeoutMs: 5000,
      onVertex: () => n++,
    });
    expect(n).toBe(500);
  });

  it("an aborted step signal cancels the build (transient); a bad address is permanent", async () => {
    daemon = await startFakeDaemon({ handlers: { Status: () => {}, Solve: () => {} } });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error("worker shutting down")), 100);
    const err = await stepFailure(
      runBuild({
        addr: daemon.addr,
        contextUrl: "http://x/c.tar",
        imageName: "local/a:b",
        timeoutMs: 5000,
        signal: ctrl.signal,
      }),
    );
    expect(err.transient).toBe(true);
    expect(err.message).toBe("buildkit build cancelled: worker shutting down");
    const bad = await stepFailure(
      runBuild({ addr: "http://nope:1", contextUrl: "http://x/c.tar", imageName: "local/a:b", timeoutMs: 5000 }),
    );
    expect(bad.transient).toBe(false);
    expect(bad.message).toMatch(/unsupported buildkit address scheme/);
  });
});

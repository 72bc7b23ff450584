import { randomBytes } from "node:crypto";
import { StepError, TransientStepError } from "../../types.js";
import { type BuildkitAddressError, parseBuildkitAddr, type BuildkitAddress } from "./address.js";
import { breakerFor, type CircuitBreaker } from "./circuit-breaker.js";
import { BuildkitClient, type StatusResponse } from "./control.js";
import { GrpcError, GrpcStatus } from "./grpc.js";
import { BuildkitConnectError } from "./transport.js";

export type BuildkitExporter = "image" | "moby";

/** One vertex state change (SPEC §9.2): first seen (name only), then `cached`, `completed` or `error`. */
export interface VertexEvent {
  name: string;
  cached?: boolean;
  completed?: boolean;
  error?: string;
}

export interface RunBuildOptions {
  addr: string;
  /**
   * HTTP(S) URL of the build context tar. A promise lets the caller build the context while the client connects;
   * its rejection is thrown as it is (before a connect failure).
   */
  contextUrl: string | Promise<string>;
  /** Exporter `name` attr, e.g. `local/<safeName>:<short12(opId)>`. */
  imageName: string;
  /** Default: `moby` for `docker-unix://` addresses, `image` otherwise. */
  exporter?: BuildkitExporter;
  timeoutMs: number;
  signal?: AbortSignal;
  onVertex?(v: VertexEvent): void;
  /** Build output, one line at a time (without the newline); warnings as `warning: …`. */
  onLog?(line: string): void;
  /** Cap on `onVertex` calls (default 500, SPEC §9.2). */
  maxVertexEvents?: number;
  /** Default: the process-wide breaker of `addr`. */
  breaker?: CircuitBreaker;
  /** How long to wait for the Status stream's last messages after Solve returned (default 2 s). */
  statusGraceMs?: number;
}

export interface RunBuildResult {
  /** The Solve response's `containerimage.digest`, when present. */
  digest?: string;
  exporter: BuildkitExporter;
  exporterResponse: Record<string, string>;
  /** The build ref sent with Solve and Status. */
  ref: string;
}

export const MAX_VERTEX_EVENTS = 500;

/** `2m`, `90s`, `500ms`, `1h`: the largest unit that divides the duration. */
export function formatBuildDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The exporter SPEC §9.2 uses for an address: `moby` for the Docker engine, `image` for a BuildKit daemon. */
export function defaultExporter(addr: string | BuildkitAddress): BuildkitExporter {
  const a = typeof addr === "string" ? parseBuildkitAddr(addr) : addr;
  return a.scheme === "docker-unix" ? "moby" : "image";
}

/** Daemon unreachable / connection reset / gRPC UNAVAILABLE (SPEC §3.6: transient). */
export function isConnectionFailure(err: unknown): boolean {
  return err instanceof BuildkitConnectError || (err instanceof GrpcError && err.code === GrpcStatus.UNAVAILABLE);
}

/** Turns the Status stream into vertex events (capped) and log lines. */
class StatusReporter {
  private readonly seen = new Map<string, { cached: boolean; completed: boolean; error: boolean }>();
  private readonly partial = new Map<string, string>();
  private events = 0;
  constructor(private readonly opts: Pick<RunBuildOptions, "onVertex" | "onLog" | "maxVertexEvents">) {}

  private vertex(v: VertexEvent) {
    if (!this.opts.onVertex || this.events >= (this.opts.maxVertexEvents ?? MAX_VERTEX_EVENTS)) return;
    this.events++;
    try {
      this.opts.onVertex(v);
    } catch {
      // a reporting failure must not break the build
    }
  }

  private log(line: string) {
    try {
      this.opts.onLog?.(line);
    } catch {
      // as above
    }
  }

  handle(s: StatusResponse) {
    for (const v of s.vertexes) {
      const name = v.name || v.digest;
      let st = this.seen.get(v.digest);
      if (!st) {
        st = { cached: false, completed: false, error: false };
        this.seen.set(v.digest, st);
        this.vertex({ name });
      }
      if (v.cached && !st.cached) {
        st.cached = true;
        this.vertex({ name, cached: true });
      }
      if (v.error && !st.error) {
        st.error = true;
        st.completed = true;
        this.vertex({ name, error: v.error });
      } else if (v.completed && !st.completed) {
        st.completed = true;
        this.vertex({ name, completed: true });
      }
    }
    if (!this.opts.onLog) return;
    for (const l of s.logs) {
      const key = `${l.vertex}\0${l.stream}`;
      const text = (this.partial.get(key) ?? "") + l.msg.toString("utf8");
      const lines = text.split("\n");
      this.partial.set(key, lines.pop() ?? "");
      for (const line of lines) this.log(line.replace(/\r$/, ""));
    }
    for (const w of s.warnings) this.log(`warning: ${w.short.toString("utf8")}`);
  }

  flush() {
    for (const rest of this.partial.values()) if (rest) this.log(rest);
    this.partial.clear();
  }
}

function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, Math.max(0, ms));
    p.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Build `contextUrl` with the dockerfile frontend and export it as `imageName` (SPEC §9.2). The Status stream of
 * the same ref runs alongside Solve. Errors are `StepError`s: timeouts, an unreachable daemon, resets and
 * UNAVAILABLE are transient (`TransientStepError`); build errors are permanent.
 */
export async function runBuild(opts: RunBuildOptions): Promise<RunBuildResult> {
  // A context still being built may fail after an early return below: that is the caller's to handle, not unhandled.
  if (typeof opts.contextUrl !== "string") opts.contextUrl.catch(() => undefined);
  let address: BuildkitAddress;
  try {
    address = parseBuildkitAddr(opts.addr);
  } catch (err) {
    throw new StepError((err as BuildkitAddressError).message, { cause: err });
  }
  const addr = address.raw;
  const exporter = opts.exporter ?? defaultExporter(address);
  const breaker = opts.breaker ?? breakerFor(addr);
  breaker.check();

  const ref = randomBytes(16).toString("hex");
  const started = Date.now();
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort(new Error("build timeout"));
  }, opts.timeoutMs);
  const onOuterAbort = () => ctrl.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onOuterAbort();
  else opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const statusCtrl = new AbortController();
  const stopStatus = () => statusCtrl.abort();
  ctrl.signal.addEventListener("abort", stopStatus, { once: true });

  const reporter = new StatusReporter(opts);
  const client = new BuildkitClient(addr);

  const classify = (err: unknown): StepError => {
    if (err instanceof StepError) return err;
    if (timedOut || (err instanceof GrpcError && err.code === GrpcStatus.DEADLINE_EXCEEDED))
      return new TransientStepError(`buildkit build timed out after ${formatBuildDuration(opts.timeoutMs)}`, {
        cause: err,
      });
    if (opts.signal?.aborted) {
      const why = opts.signal.reason instanceof Error ? `: ${opts.signal.reason.message}` : "";
      return new TransientStepError(`buildkit build cancelled${why}`, { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    if (isConnectionFailure(err)) {
      breaker.recordFailure(message);
      return new TransientStepError(`buildkit daemon unreachable at ${addr}: ${message}`, { cause: err });
    }
    return new StepError(`buildkit build failed: ${message}`, { cause: err });
  };

  try {
    // Connect while the caller may still be building the context.
    const [connected, context] = await Promise.allSettled([
      client.connect({ signal: ctrl.signal, timeoutMs: Math.min(opts.timeoutMs, 10_000) }),
      opts.contextUrl,
    ]);
    if (context.status === "rejected") throw context.reason;
    if (connected.status === "rejected") throw classify(connected.reason);
    breaker.recordSuccess();
    const contextUrl = context.value;

    const statusDone = (async () => {
      try {
        for await (const s of client.status(ref, statusCtrl.signal)) reporter.handle(s);
      } catch {
        // progress is best effort: Solve's outcome decides the build
      }
    })();

    let exporterResponse: Record<string, string>;
    try {
      const res = await client.solve(
        {
          ref,
          frontend: "dockerfile.v0",
          frontendAttrs: { context: contextUrl, filename: "Dockerfile" },
          exporter,
          exporterAttrs: { name: opts.imageName },
        },
        ctrl.signal,
        Math.max(1, opts.timeoutMs - (Date.now() - started)),
      );
      exporterResponse = res.exporterResponse;
    } catch (err) {
      const failure = classify(err);
      if (!failure.transient) await waitAtMost(statusDone, opts.statusGraceMs ?? 2_000);
      throw failure;
    }
    await waitAtMost(statusDone, Math.min(opts.statusGraceMs ?? 2_000, opts.timeoutMs - (Date.now() - started)));
    const digest = exporterResponse["containerimage.digest"];
    return { ...(digest ? { digest } : {}), exporter, exporterResponse, ref };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
    ctrl.signal.removeEventListener("abort", stopStatus);
    statusCtrl.abort();
    reporter.flush();
    await client.close();
  }
}

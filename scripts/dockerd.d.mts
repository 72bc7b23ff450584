// Types of scripts/dockerd.mjs (imported by test/support/dockerd.ts).

/** `run "make setup" … or set PAAS_BUILDKIT_ADDR`: the fix every dockerd failure names. */
export declare const DOCKERD_FIX: string;

/** A Docker engine for BuildKit tests and benchmarks: `addr` is `docker-unix://<socket>`. */
export interface Dockerd {
  addr: string;
  /** The engine API socket (empty when PAAS_BUILDKIT_ADDR names a non-Docker daemon). */
  socket: string;
  /** The private daemon's temp dir (empty for an external daemon). */
  dir: string;
  /** dockerd's pid, also its process group (0 for an external daemon). */
  pid: number;
  /** dockerd's captured stderr (empty for an external daemon). */
  logs(): string;
  /** SIGTERM, then SIGKILL of its process group after 10 s; removes its temp dir. */
  stop(): Promise<void>;
}

/** GET `path` on the engine socket; resolves with status and body. */
export declare function engineRequest(
  socket: string,
  path: string,
  timeoutMs?: number,
): Promise<{ status: number; body: string }>;

/**
 * Start a private Docker engine (as root) on a socket under a fresh temp dir, or use PAAS_BUILDKIT_ADDR when set
 * (both read from `env`, default `process.env`). Throws (never skips) with the fix when dockerd is missing or
 * cannot start.
 */
export declare function startDockerd(env?: NodeJS.ProcessEnv): Promise<Dockerd>;

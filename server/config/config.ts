import { Ajv } from "ajv";
import { homedir, platform } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ConfigError } from "./errors.js";
import { parseDuration } from "./duration.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** The one typed configuration of the process (SPEC §1). */
export interface Config {
  version: string;
  http: { host: string; port: number; raw: string; loopback: boolean };
  auth: { token?: string; previous: string[] };
  dataDir: string;
  nats: {
    url?: string;
    serverBin: string;
    /** PATH used to find `serverBin` when it is a bare name. */
    searchPath: string;
    storeDir: string;
    storeMode: "persistent" | "ephemeral";
    replicas: number;
    /** `always` or a duration string such as `2m`. */
    sync: string;
  };
  artifactsRoot: string;
  builder: {
    /** Raw PAAS_IMAGE_BUILDER_MODE (undefined when unset); resolved by the image builder (SPEC §9.1). */
    modeRaw?: string;
    buildkitAddr?: string;
    contextBaseUrl?: string;
    timeoutMs: number;
    baseImage: string;
  };
  /** Explicit PAAS_LOCAL_API_BASE_URL; otherwise derived from the actual listen address. */
  localApiBaseUrl?: string;
  commitWatcher: boolean;
  sseHeartbeatMs: number;
  stepMaxAttempts: number;
  workerConcurrency: number;
  buildConcurrency: number;
  stepDelayMs: number;
  logLevel: LogLevel;
  noColor: boolean;
}

const DURATION = "^\\d+(ms|s|m|h)$";
const INT = "^\\d+$";

// Shapes of the raw strings; semantic checks (ranges, loopback) follow in code.
const envSchema = {
  type: "object",
  properties: {
    PAAS_HTTP_ADDR: { type: "string", pattern: "^(\\[[0-9a-fA-F:.]+\\]|[^:\\s\\[\\]]*):\\d{1,5}$" },
    PAAS_NATS_REPLICAS: { type: "string", pattern: INT },
    PAAS_NATS_SYNC: { type: "string", pattern: `^(always|\\d+(ms|s|m|h))$` },
    PAAS_BUILD_TIMEOUT: { type: "string", pattern: DURATION },
    PAAS_SSE_HEARTBEAT: { type: "string", pattern: DURATION },
    PAAS_STEP_DELAY: { type: "string", pattern: DURATION },
    PAAS_STEP_MAX_ATTEMPTS: { type: "string", pattern: INT },
    PAAS_WORKER_CONCURRENCY: { type: "string", pattern: INT },
    PAAS_BUILD_CONCURRENCY: { type: "string", pattern: INT },
    PAAS_LOG_LEVEL: { enum: ["trace", "debug", "info", "warn", "error", "fatal"] },
    PAAS_NATS_URL: { type: "string", pattern: "^(nats|tls|ws|wss)://\\S+$" },
    PAAS_LOCAL_API_BASE_URL: { type: "string", pattern: "^https?://\\S+$" },
    PAAS_BUILD_CONTEXT_BASE_URL: { type: "string", pattern: "^https?://\\S+$" },
  },
} as const;

const REASONS: Record<string, string> = {
  PAAS_HTTP_ADDR: "expected host:port",
  PAAS_NATS_SYNC: "expected always or a duration like 2m",
  PAAS_LOG_LEVEL: "expected trace, debug, info, warn, error or fatal",
  PAAS_NATS_URL: "expected a nats:// URL",
  PAAS_LOCAL_API_BASE_URL: "expected an http(s) URL",
  PAAS_BUILD_CONTEXT_BASE_URL: "expected an http(s) URL",
  PAAS_NATS_REPLICAS: "expected an integer",
  PAAS_STEP_MAX_ATTEMPTS: "expected an integer",
  PAAS_WORKER_CONCURRENCY: "expected an integer",
  PAAS_BUILD_CONCURRENCY: "expected an integer",
};

const ajv = new Ajv({ allErrors: false });
const validateEnv = ajv.compile(envSchema);

function invalid(name: string, value: string, reason: string): ConfigError {
  return new ConfigError(`invalid ${name}="${value}": ${reason}`);
}

/** True for 127.0.0.0/8, ::1 and localhost (SPEC §0.5). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

function defaultArtifactsRoot(env: NodeJS.ProcessEnv, dataDir: string, os: NodeJS.Platform): string {
  const home = env.HOME?.trim() || safeHomedir();
  if (os === "darwin" && home) return join(home, "Library", "Application Support", "slipway", "artifacts");
  const xdg = env.XDG_STATE_HOME?.trim();
  if (xdg) return join(xdg, "slipway", "artifacts");
  if (home) return join(home, ".local", "state", "slipway", "artifacts");
  return join(dataDir, "artifacts");
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return "";
  }
}

function intInRange(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return def;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(name, raw, `expected an integer from ${min} to ${max}`);
  return n;
}

function durationMs(env: NodeJS.ProcessEnv, name: string, def: string, minMs = 0): number {
  const raw = env[name]?.trim() || def;
  const ms = parseDuration(raw);
  if (ms === null) throw invalid(name, env[name] ?? "", "expected <int><unit> with unit ms, s, m or h");
  if (ms < minMs) throw invalid(name, raw, `must be at least ${minMs}ms`);
  return ms;
}

function splitHostPort(raw: string): { host: string; port: number } {
  const idx = raw.lastIndexOf(":");
  const host = raw.slice(0, idx).replace(/^\[|\]$/g, "");
  return { host, port: Number(raw.slice(idx + 1)) };
}

/**
 * Read and validate the configuration from an environment map. Throws ConfigError (exit code 2) for a
 * value the process must refuse; nothing else in the codebase reads `process.env`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform()): Config {
  // Blank values count as unset for shape validation.
  const present: Record<string, string> = {};
  for (const key of Object.keys(envSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== "") present[key] = v.trim();
  }
  if (!validateEnv(present)) {
    const err = validateEnv.errors?.[0];
    const name = err?.instancePath.replace(/^\//, "") ?? "";
    throw invalid(name, env[name] ?? "", REASONS[name] ?? "expected <int><unit> with unit ms, s, m or h");
  }

  const httpRaw = present.PAAS_HTTP_ADDR ?? "127.0.0.1:8080";
  const { host, port } = splitHostPort(httpRaw);
  if (port > 65535) throw invalid("PAAS_HTTP_ADDR", httpRaw, "port must be 0-65535");
  const loopback = isLoopbackHost(host);

  const token = env.PAAS_AUTH_TOKEN?.trim() ? env.PAAS_AUTH_TOKEN.trim() : undefined;
  if (token !== undefined && token.length < 16) throw new ConfigError("PAAS_AUTH_TOKEN must be at least 16 characters");
  if (token === undefined && !loopback) {
    throw new ConfigError(
      `refusing to listen on ${httpRaw} without PAAS_AUTH_TOKEN: set PAAS_AUTH_TOKEN or use a loopback PAAS_HTTP_ADDR`,
    );
  }
  const previous = (env.PAAS_AUTH_TOKENS_PREVIOUS ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");

  const dataDir = resolve(env.PAAS_DATA_DIR?.trim() || "./data");
  const storeRaw = env.PAAS_NATS_STORE_DIR?.trim() ?? "";
  const ephemeral = ["temp", "ephemeral"].includes(storeRaw.toLowerCase());
  const storeDir = ephemeral ? "" : resolve(storeRaw || join(dataDir, "nats"));

  const artifactsRaw = env.PAAS_ARTIFACTS_ROOT?.trim();
  const artifactsRoot = resolve(artifactsRaw || defaultArtifactsRoot(env, dataDir, os));

  const stripSlash = (u?: string) => (u ? u.replace(/\/+$/, "") : undefined);

  return {
    version: pkg.version,
    http: { host, port, raw: httpRaw, loopback },
    auth: { token, previous },
    dataDir,
    nats: {
      url: present.PAAS_NATS_URL,
      serverBin: env.PAAS_NATS_SERVER_BIN?.trim() || "nats-server",
      searchPath: env.PATH ?? "",
      storeDir,
      storeMode: ephemeral ? "ephemeral" : "persistent",
      replicas: intInRange(env, "PAAS_NATS_REPLICAS", 1, 1, 5),
      sync: present.PAAS_NATS_SYNC ?? "always",
    },
    artifactsRoot,
    builder: {
      modeRaw: env.PAAS_IMAGE_BUILDER_MODE,
      buildkitAddr: env.PAAS_BUILDKIT_ADDR?.trim() || undefined,
      contextBaseUrl: stripSlash(present.PAAS_BUILD_CONTEXT_BASE_URL),
      timeoutMs: durationMs(env, "PAAS_BUILD_TIMEOUT", "2m", 1),
      baseImage: env.PAAS_BUILD_BASE_IMAGE?.trim() || "alpine:3.20",
    },
    localApiBaseUrl: stripSlash(present.PAAS_LOCAL_API_BASE_URL),
    commitWatcher: ["1", "t", "T", "TRUE", "true", "True"].includes(env.PAAS_ENABLE_COMMIT_WATCHER ?? ""),
    sseHeartbeatMs: durationMs(env, "PAAS_SSE_HEARTBEAT", "10s", 1),
    stepMaxAttempts: intInRange(env, "PAAS_STEP_MAX_ATTEMPTS", 3, 1, 10),
    workerConcurrency: intInRange(env, "PAAS_WORKER_CONCURRENCY", 4, 1, 64),
    buildConcurrency: intInRange(env, "PAAS_BUILD_CONCURRENCY", 2, 1, 64),
    stepDelayMs: durationMs(env, "PAAS_STEP_DELAY", "0s"),
    logLevel: (present.PAAS_LOG_LEVEL as LogLevel | undefined) ?? "info",
    noColor: env.NO_COLOR !== undefined,
  };
}

/** The base URL hooks and build contexts use when not configured: the actual listen address (SPEC §1). */
export function derivedLocalBaseUrl(host: string, port: number): string {
  let h = host;
  if (h === "0.0.0.0" || h === "") h = "127.0.0.1";
  else if (h === "::") h = "[::1]";
  else if (h.includes(":")) h = `[${h}]`;
  return `http://${h}:${port}`;
}

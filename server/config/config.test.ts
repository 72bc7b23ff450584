import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { derivedLocalBaseUrl, isLoopbackHost, loadConfig } from "./config.js";
import { formatDuration, parseDuration } from "./duration.js";
import { ConfigError } from "./errors.js";

const TOKEN = "0123456789abcdef0123"; // 20 characters
const HOME_ENV = { HOME: "/home/tester" } as const;

/** loadConfig with an explicit env map (never process.env). */
function load(env: Record<string, string | undefined> = {}) {
  return loadConfig({ ...HOME_ENV, ...env } as NodeJS.ProcessEnv, "linux");
}

/** The ConfigError loadConfig throws for env (fails the test when it does not throw). */
function refuse(env: Record<string, string | undefined>): ConfigError {
  let caught: unknown;
  try {
    load(env);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected loadConfig to refuse ${JSON.stringify(env)}`).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  expect(err.exitCode).toBe(2);
  return err;
}

const refusal = (addr: string) =>
  `refusing to listen on ${addr} without PAAS_AUTH_TOKEN: set PAAS_AUTH_TOKEN or use a loopback PAAS_HTTP_ADDR`;

describe("loadConfig defaults (SPEC §1)", () => {
  it("fills every default from an empty environment", () => {
    const c = load();
    expect(c.version).toBe(pkg.version);
    expect(c.http).toEqual({ host: "127.0.0.1", port: 8080, raw: "127.0.0.1:8080", loopback: true });
    expect(c.auth).toEqual({ token: undefined, previous: [] });
    expect(c.dataDir).toBe(resolve("./data"));
    expect(c.nats.url).toBeUndefined();
    expect(c.nats.serverBin).toBe("nats-server");
    expect(c.nats.storeDir).toBe(join(resolve("./data"), "nats"));
    expect(c.nats.storeMode).toBe("persistent");
    expect(c.nats.replicas).toBe(1);
    expect(c.nats.sync).toBe("always");
    expect(c.builder.modeRaw).toBeUndefined();
    expect(c.builder.buildkitAddr).toBeUndefined();
    expect(c.builder.contextBaseUrl).toBeUndefined();
    expect(c.builder.timeoutMs).toBe(120_000);
    expect(c.builder.baseImage).toBe("alpine:3.20");
    expect(c.localApiBaseUrl).toBeUndefined();
    expect(c.commitWatcher).toBe(false);
    expect(c.sseHeartbeatMs).toBe(10_000);
    expect(c.stepMaxAttempts).toBe(3);
    expect(c.workerConcurrency).toBe(4);
    expect(c.buildConcurrency).toBe(2);
    expect(c.stepDelayMs).toBe(0);
    expect(c.logLevel).toBe("info");
    expect(c.noColor).toBe(false);
  });

  it("treats blank values as unset", () => {
    const c = load({
      PAAS_HTTP_ADDR: "  ",
      PAAS_DATA_DIR: " ",
      PAAS_BUILD_TIMEOUT: "",
      PAAS_SSE_HEARTBEAT: " ",
      PAAS_STEP_MAX_ATTEMPTS: "",
      PAAS_WORKER_CONCURRENCY: " ",
      PAAS_BUILD_CONCURRENCY: "",
      PAAS_NATS_SYNC: "",
      PAAS_LOG_LEVEL: "",
      PAAS_BUILD_BASE_IMAGE: "  ",
      PAAS_NATS_SERVER_BIN: " ",
      PAAS_BUILDKIT_ADDR: " ",
    });
    expect(c.http.raw).toBe("127.0.0.1:8080");
    expect(c.dataDir).toBe(resolve("./data"));
    expect(c.builder.timeoutMs).toBe(120_000);
    expect(c.sseHeartbeatMs).toBe(10_000);
    expect(c.stepMaxAttempts).toBe(3);
    expect(c.workerConcurrency).toBe(4);
    expect(c.buildConcurrency).toBe(2);
    expect(c.nats.sync).toBe("always");
    expect(c.logLevel).toBe("info");
    expect(c.builder.baseImage).toBe("alpine:3.20");
    expect(c.nats.serverBin).toBe("nats-server");
    expect(c.builder.buildkitAddr).toBeUndefined();
  });

  it("reads explicit values", () => {
    const c = load({
      PAAS_DATA_DIR: "/srv/slipway",
      PAAS_NATS_URL: "nats://127.0.0.1:4222",
      PAAS_NATS_SERVER_BIN: "/opt/nats/nats-server",
      PAAS_NATS_REPLICAS: "3",
      PAAS_NATS_SYNC: "2m",
      PAAS_IMAGE_BUILDER_MODE: "artifact",
      PAAS_BUILDKIT_ADDR: "tcp://127.0.0.1:1234",
      PAAS_BUILD_TIMEOUT: "90s",
      PAAS_BUILD_BASE_IMAGE: "busybox:1",
      PAAS_SSE_HEARTBEAT: "500ms",
      PAAS_STEP_MAX_ATTEMPTS: "10",
      PAAS_WORKER_CONCURRENCY: "64",
      PAAS_BUILD_CONCURRENCY: "1",
      PAAS_STEP_DELAY: "1h",
      PAAS_LOG_LEVEL: "debug",
      NO_COLOR: "1",
    });
    expect(c.dataDir).toBe("/srv/slipway");
    expect(c.nats.storeDir).toBe("/srv/slipway/nats");
    expect(c.nats.url).toBe("nats://127.0.0.1:4222");
    expect(c.nats.serverBin).toBe("/opt/nats/nats-server");
    expect(c.nats.replicas).toBe(3);
    expect(c.nats.sync).toBe("2m");
    expect(c.builder.modeRaw).toBe("artifact");
    expect(c.builder.buildkitAddr).toBe("tcp://127.0.0.1:1234");
    expect(c.builder.timeoutMs).toBe(90_000);
    expect(c.builder.baseImage).toBe("busybox:1");
    expect(c.sseHeartbeatMs).toBe(500);
    expect(c.stepMaxAttempts).toBe(10);
    expect(c.workerConcurrency).toBe(64);
    expect(c.buildConcurrency).toBe(1);
    expect(c.stepDelayMs).toBe(3_600_000);
    expect(c.logLevel).toBe("debug");
    expect(c.noColor).toBe(true);
  });

  it("accepts every log level", () => {
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"] as const) {
      expect(load({ PAAS_LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  it("strips trailing slashes from the base URLs", () => {
    const c = load({
      PAAS_LOCAL_API_BASE_URL: "http://127.0.0.1:9000/",
      PAAS_BUILD_CONTEXT_BASE_URL: "https://builder.example:8443/",
    });
    expect(c.localApiBaseUrl).toBe("http://127.0.0.1:9000");
    expect(c.builder.contextBaseUrl).toBe("https://builder.example:8443");
    expect(load({ PAAS_LOCAL_API_BASE_URL: "http://host:1" }).localApiBaseUrl).toBe("http://host:1");
  });

  it("keeps the raw PAAS_IMAGE_BUILDER_MODE for the image builder (resolved in §9.1, never refused here)", () => {
    expect(load({ PAAS_IMAGE_BUILDER_MODE: " Docker " }).builder.modeRaw).toBe(" Docker ");
  });
});

describe("PAAS_HTTP_ADDR and loopback detection (SPEC §0.5, §1)", () => {
  it("accepts port 0 (pick a free port)", () => {
    const c = load({ PAAS_HTTP_ADDR: "127.0.0.1:0" });
    expect(c.http.port).toBe(0);
    expect(c.http.host).toBe("127.0.0.1");
    expect(c.http.loopback).toBe(true);
  });

  it("parses a bracketed IPv6 loopback address", () => {
    const c = load({ PAAS_HTTP_ADDR: "[::1]:0" });
    expect(c.http.host).toBe("::1");
    expect(c.http.port).toBe(0);
    expect(c.http.raw).toBe("[::1]:0");
    expect(c.http.loopback).toBe(true);
    expect(c.auth.token).toBeUndefined();
  });

  it.each(["127.0.0.1:8080", "127.255.0.1:8080", "127.1.2.3:1", "localhost:8080", "LocalHost:80", "[::1]:8080"])(
    "runs without a token on loopback %s",
    (addr) => {
      const c = load({ PAAS_HTTP_ADDR: addr });
      expect(c.http.loopback).toBe(true);
      expect(c.auth.token).toBeUndefined();
    },
  );

  it.each(["0.0.0.0:8080", "[::]:8080", "10.0.0.1:80", "192.168.1.5:8080", "128.0.0.1:8080", "example.com:80"])(
    "refuses non-loopback %s without a token (exact message, exit 2)",
    (addr) => {
      const err = refuse({ PAAS_HTTP_ADDR: addr });
      expect(err.message).toBe(refusal(addr));
    },
  );

  it("refuses a non-loopback address when the token is blank", () => {
    refuse({ PAAS_HTTP_ADDR: "0.0.0.0:8080", PAAS_AUTH_TOKEN: "   " });
  });

  it.each(["0.0.0.0:8080", "[::]:8080", "10.0.0.1:80"])("allows non-loopback %s with a token", (addr) => {
    const c = load({ PAAS_HTTP_ADDR: addr, PAAS_AUTH_TOKEN: TOKEN });
    expect(c.http.loopback).toBe(false);
    expect(c.auth.token).toBe(TOKEN);
  });

  it("reports the host and port of a wildcard IPv6 address", () => {
    const c = load({ PAAS_HTTP_ADDR: "[::]:8080", PAAS_AUTH_TOKEN: TOKEN });
    expect(c.http.host).toBe("::");
    expect(c.http.port).toBe(8080);
  });

  it.each(["nonsense", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "::1:8080"])(
    "refuses malformed %s with an invalid PAAS_HTTP_ADDR message",
    (addr) => {
      const err = refuse({ PAAS_HTTP_ADDR: addr });
      expect(err.message.startsWith(`invalid PAAS_HTTP_ADDR="${addr}": `)).toBe(true);
    },
  );

  it("refuses a port above 65535", () => {
    const err = refuse({ PAAS_HTTP_ADDR: "127.0.0.1:65536" });
    expect(err.message.startsWith(`invalid PAAS_HTTP_ADDR="127.0.0.1:65536": `)).toBe(true);
    expect(load({ PAAS_HTTP_ADDR: "127.0.0.1:65535" }).http.port).toBe(65535);
  });

  it("isLoopbackHost: 127.0.0.0/8, ::1 and localhost only", () => {
    for (const h of [
      "127.0.0.1",
      "127.255.0.1",
      "127.0.0.0",
      "127.255.255.255",
      "localhost",
      "LOCALHOST",
      "::1",
      "[::1]",
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "128.0.0.1",
      "126.255.255.255",
      "127.256.0.1",
      "localhost.example.com",
      "example.com",
      "",
    ]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe("auth tokens (SPEC §0.5, §1)", () => {
  it("refuses a token shorter than 16 characters with the exact message and exit 2", () => {
    const err = refuse({ PAAS_AUTH_TOKEN: "short-token" });
    expect(err.message).toBe("PAAS_AUTH_TOKEN must be at least 16 characters");
    expect(refuse({ PAAS_AUTH_TOKEN: "a".repeat(15) }).message).toBe("PAAS_AUTH_TOKEN must be at least 16 characters");
  });

  it("accepts a token of exactly 16 characters", () => {
    expect(load({ PAAS_AUTH_TOKEN: "a".repeat(16) }).auth.token).toBe("a".repeat(16));
  });

  it("trims previous tokens and drops empty entries", () => {
    const c = load({ PAAS_AUTH_TOKEN: TOKEN, PAAS_AUTH_TOKENS_PREVIOUS: " old-token-one , ,old-token-two,, " });
    expect(c.auth.previous).toEqual(["old-token-one", "old-token-two"]);
    expect(load({ PAAS_AUTH_TOKEN: TOKEN, PAAS_AUTH_TOKENS_PREVIOUS: " , ," }).auth.previous).toEqual([]);
    expect(load({ PAAS_AUTH_TOKEN: TOKEN }).auth.previous).toEqual([]);
  });
});

describe("NATS store dir (SPEC §1)", () => {
  it.each(["temp", "Ephemeral", "TEMP", "ephemeral", " temp "])("%j selects an ephemeral store", (v) => {
    const c = load({ PAAS_NATS_STORE_DIR: v, PAAS_DATA_DIR: "/srv/data" });
    expect(c.nats.storeMode).toBe("ephemeral");
    expect(c.nats.storeDir).not.toBe("/srv/data/nats");
  });

  it("uses an explicit store dir as a persistent store", () => {
    const c = load({ PAAS_NATS_STORE_DIR: "/var/lib/nats", PAAS_DATA_DIR: "/srv/data" });
    expect(c.nats.storeMode).toBe("persistent");
    expect(c.nats.storeDir).toBe("/var/lib/nats");
  });

  it("defaults to <PAAS_DATA_DIR>/nats", () => {
    const c = load({ PAAS_DATA_DIR: "/srv/data", PAAS_NATS_STORE_DIR: " " });
    expect(c.nats.storeMode).toBe("persistent");
    expect(c.nats.storeDir).toBe("/srv/data/nats");
  });
});

describe('invalid values → invalid <VAR>="<value>": <reason> (SPEC §1)', () => {
  const cases: Array<[string, string]> = [
    ["PAAS_BUILD_TIMEOUT", "10"],
    ["PAAS_BUILD_TIMEOUT", "2 minutes"],
    ["PAAS_BUILD_TIMEOUT", "1.5s"],
    ["PAAS_BUILD_TIMEOUT", "-1s"],
    ["PAAS_BUILD_TIMEOUT", "10d"],
    ["PAAS_SSE_HEARTBEAT", "fast"],
    ["PAAS_SSE_HEARTBEAT", "10S"],
    ["PAAS_STEP_DELAY", "s"],
    ["PAAS_NATS_SYNC", "sometimes"],
    ["PAAS_NATS_SYNC", "5"],
    ["PAAS_STEP_MAX_ATTEMPTS", "0"],
    ["PAAS_STEP_MAX_ATTEMPTS", "11"],
    ["PAAS_STEP_MAX_ATTEMPTS", "abc"],
    ["PAAS_STEP_MAX_ATTEMPTS", "2.5"],
    ["PAAS_STEP_MAX_ATTEMPTS", "-1"],
    ["PAAS_WORKER_CONCURRENCY", "0"],
    ["PAAS_WORKER_CONCURRENCY", "65"],
    ["PAAS_BUILD_CONCURRENCY", "0"],
    ["PAAS_BUILD_CONCURRENCY", "65"],
    ["PAAS_BUILD_CONCURRENCY", "many"],
    ["PAAS_NATS_REPLICAS", "0"],
    ["PAAS_NATS_REPLICAS", "x"],
    ["PAAS_LOG_LEVEL", "verbose"],
    ["PAAS_NATS_URL", "http://127.0.0.1:4222"],
    ["PAAS_LOCAL_API_BASE_URL", "ftp://x"],
    ["PAAS_BUILD_CONTEXT_BASE_URL", "not a url"],
  ];

  it.each(cases)("%s=%j is refused with exit 2", (name, value) => {
    const err = refuse({ [name]: value });
    const prefix = `invalid ${name}="${value}": `;
    expect(err.message.startsWith(prefix), err.message).toBe(true);
    expect(err.message.length).toBeGreaterThan(prefix.length);
  });

  it("reports the integer range for an out-of-range integer", () => {
    expect(refuse({ PAAS_STEP_MAX_ATTEMPTS: "11" }).message).toBe(
      'invalid PAAS_STEP_MAX_ATTEMPTS="11": expected an integer from 1 to 10',
    );
    expect(refuse({ PAAS_WORKER_CONCURRENCY: "65" }).message).toBe(
      'invalid PAAS_WORKER_CONCURRENCY="65": expected an integer from 1 to 64',
    );
    expect(refuse({ PAAS_BUILD_CONCURRENCY: "0" }).message).toBe(
      'invalid PAAS_BUILD_CONCURRENCY="0": expected an integer from 1 to 64',
    );
  });

  it("accepts the integer range bounds", () => {
    const lo = load({ PAAS_STEP_MAX_ATTEMPTS: "1", PAAS_WORKER_CONCURRENCY: "1", PAAS_BUILD_CONCURRENCY: "64" });
    expect([lo.stepMaxAttempts, lo.workerConcurrency, lo.buildConcurrency]).toEqual([1, 1, 64]);
  });

  it("accepts a zero step delay", () => {
    expect(load({ PAAS_STEP_DELAY: "0s" }).stepDelayMs).toBe(0);
    expect(load({ PAAS_STEP_DELAY: "250ms" }).stepDelayMs).toBe(250);
  });
});

describe("PAAS_ENABLE_COMMIT_WATCHER (SPEC §1)", () => {
  it.each(["1", "t", "T", "TRUE", "true", "True"])("%j → true", (v) => {
    expect(load({ PAAS_ENABLE_COMMIT_WATCHER: v }).commitWatcher).toBe(true);
  });

  it.each(["", "0", "f", "false", "FALSE", "tRUE", "yes", "on", "2", "enabled", "truee"])(
    "%j → false (never refused)",
    (v) => {
      expect(load({ PAAS_ENABLE_COMMIT_WATCHER: v }).commitWatcher).toBe(false);
    },
  );

  it("unset → false", () => {
    expect(load({}).commitWatcher).toBe(false);
  });
});

describe("PAAS_ARTIFACTS_ROOT (SPEC §1)", () => {
  it("uses an explicit value, trimmed", () => {
    expect(load({ PAAS_ARTIFACTS_ROOT: "  /srv/artifacts  " }).artifactsRoot).toBe("/srv/artifacts");
  });

  it("defaults to $XDG_STATE_HOME/slipway/artifacts on Linux", () => {
    expect(load({ XDG_STATE_HOME: "/xdg/state", HOME: "/home/u" }).artifactsRoot).toBe("/xdg/state/slipway/artifacts");
  });

  it("falls back to ~/.local/state/slipway/artifacts without XDG_STATE_HOME", () => {
    expect(load({ HOME: "/home/u" }).artifactsRoot).toBe("/home/u/.local/state/slipway/artifacts");
    expect(load({ HOME: "/home/u", XDG_STATE_HOME: "  " }).artifactsRoot).toBe(
      "/home/u/.local/state/slipway/artifacts",
    );
  });

  it("a blank PAAS_ARTIFACTS_ROOT means the default", () => {
    expect(load({ PAAS_ARTIFACTS_ROOT: "   ", XDG_STATE_HOME: "/xdg" }).artifactsRoot).toBe("/xdg/slipway/artifacts");
  });

  it("defaults to ~/Library/Application Support/slipway/artifacts on macOS", () => {
    expect(loadConfig({ HOME: "/Users/u" }, "darwin").artifactsRoot).toBe(
      "/Users/u/Library/Application Support/slipway/artifacts",
    );
  });
});

describe("derivedLocalBaseUrl (SPEC §1 PAAS_LOCAL_API_BASE_URL)", () => {
  it("maps wildcard hosts to loopback and brackets IPv6", () => {
    expect(derivedLocalBaseUrl("0.0.0.0", 8080)).toBe("http://127.0.0.1:8080");
    expect(derivedLocalBaseUrl("::", 8080)).toBe("http://[::1]:8080");
    expect(derivedLocalBaseUrl("::1", 4000)).toBe("http://[::1]:4000");
    expect(derivedLocalBaseUrl("127.0.0.1", 43210)).toBe("http://127.0.0.1:43210");
    expect(derivedLocalBaseUrl("localhost", 80)).toBe("http://localhost:80");
  });
});

describe("duration parsing and printing (SPEC §1, §12.2)", () => {
  it("parses <int><unit> with ms|s|m|h", () => {
    expect(parseDuration("0s")).toBe(0);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration(" 10s ")).toBe(10_000);
  });

  it("rejects anything else", () => {
    for (const bad of ["", "10", "s", "1.5s", "-1s", "10 s", "10S", "10sec", "1d", "1h30m", "always", "ms10"]) {
      expect(parseDuration(bad), bad).toBeNull();
    }
  });

  it("prints whole seconds as <n>s, anything else as <n>ms", () => {
    expect(formatDuration(10_000)).toBe("10s");
    expect(formatDuration(120_000)).toBe("120s");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(1500)).toBe("1500ms");
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(1)).toBe("1ms");
  });
});

// Composition root (DESIGN §1): read config, start the broker, build stores, start workers, serve HTTP,
// handle signals. The only place that wires concrete things together.
import { mkdir } from "node:fs/promises";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { ConfigError, derivedLocalBaseUrl, loadConfig, type Config } from "../server/config/index.js";
import { createLogger, requestLogWriter, type Logger } from "../server/log.js";
import {
  BrokerStartError,
  NatsSupervisor,
  provisionJetStream,
  readinessChecks,
  type JetStreamHandles,
} from "../server/broker/index.js";
import { createStores } from "../server/store/index.js";
import { Engine } from "../server/engine/index.js";
import {
  Authenticator,
  createApp,
  createStaticFiles,
  defaultWebRoot,
  registerUiRoutes,
  registerBuildContextRoutes,
  BuildContextRegistry,
  startHttpServer,
} from "../server/http/index.js";
import {
  OpEventHub,
  registerApiRoutes,
  registerAuditRoutes,
  type ApiDeps,
  type NatsInfo,
} from "../server/api/index.js";
import { AuditLog, auditTrail } from "../server/audit/index.js";
import { Metrics } from "../server/metrics/index.js";
import type { EngineObserver } from "../server/engine/index.js";
import { ALL_WORKERS, CommitWatcher, probeBuildkit, resolveBuilderMode, type StepSettings } from "../workers/index.js";
import { ActiveOperationError, ProjectNotFoundError } from "../server/engine/index.js";

const SHUTDOWN_GRACE_MS = 10_000;

/** Whether the NATS connection is up (for slipway_nats_connected). */
let natsUp = false;

async function connectNats(url: string, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: url,
    name: "slipway",
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 5000,
    // No Error objects with captured stacks for every request/JetStream call (2 per call, ≈ 4% of a busy
    // webhook's CPU); errors keep their messages and codes.
    noAsyncTraces: true,
  });
  natsUp = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnect") {
        natsUp = s.type === "reconnect";
        log.warn({ nats: s.type }, `NATS ${s.type}`);
      }
    }
  })();
  return nc;
}

/** Stopped when start-up fails half-way, so a failed start leaves no nats-server behind. */
let startedSupervisor: NatsSupervisor | undefined;

/** A NATS URL without user:password@ (SPEC §12.2). */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

async function main(config: Config, log: Logger): Promise<void> {
  log.info({}, `Slipway ${config.version}`);

  let supervisor: NatsSupervisor | undefined;
  let natsUrl = config.nats.url;
  if (!natsUrl) {
    supervisor = new NatsSupervisor({
      bin: config.nats.serverBin,
      searchPath: config.nats.searchPath,
      storeDir: config.nats.storeDir,
      sync: config.nats.sync,
      log,
    });
    startedSupervisor = supervisor;
    natsUrl = await supervisor.start();
  }
  const nc = await connectNats(natsUrl, log);
  log.info({}, `NATS: ${redactUrl(natsUrl)}`);
  if (supervisor) log.info({}, `NATS store dir: ${supervisor.storeDir} (${config.nats.storeMode})`);

  const handles: JetStreamHandles = await provisionJetStream(nc, supervisor ? 1 : config.nats.replicas);
  const stores = createStores(nc, handles, log);
  await stores.startCaches();
  await mkdir(config.artifactsRoot, { recursive: true, mode: 0o750 });

  const builder = await resolveBuilderMode(config.builder.modeRaw, () => probeBuildkit(config.builder.buildkitAddr));
  const auth = new Authenticator(config.auth.token, config.auth.previous);
  const settings: StepSettings = {
    artifactsRoot: config.artifactsRoot,
    localApiBaseUrl: "",
    builder,
    buildBaseImage: config.builder.baseImage,
    buildTimeoutMs: config.builder.timeoutMs,
  };
  const sseStreams = new Set<() => void>();
  const metrics = new Metrics({ sseClients: () => sseStreams.size, natsConnected: () => !nc.isClosed() && natsUp });
  const audit = new AuditLog({
    js: handles.js,
    jsm: handles.jsm,
    nc,
    log,
    onWriteFailure: () => metrics.auditWriteFailures.inc(),
  });
  const observer: EngineObserver = {
    opStatus(op) {
      metrics.opsTotal.inc({ kind: op.kind, status: op.status });
      if (op.status !== "done" && op.status !== "error") return;
      audit.record({
        actor: "system",
        action: op.status === "done" ? "op.completed" : "op.failed",
        project_id: op.project_id,
        op_id: op.id,
        outcome: op.status,
        request_id: op.input.request_id ?? "",
        remote_addr: op.input.remote_addr ?? "",
      });
    },
    stepEnded(op, worker, outcome, seconds) {
      metrics.stepDuration.observe({ worker, outcome }, seconds);
      if (worker === "imageBuilder" && op.kind !== "delete" && outcome !== "retry") {
        metrics.buildDuration.observe(
          { backend: builder.effective, outcome: outcome === "ok" ? "ok" : "error" },
          seconds,
        );
      }
    },
  };
  const buildContexts = new BuildContextRegistry(() => config.builder.contextBaseUrl ?? settings.localApiBaseUrl);
  const engine = new Engine({
    stores,
    buildContexts,
    js: handles.js,
    jsm: handles.jsm,
    workers: ALL_WORKERS,
    settings,
    maxAttempts: config.stepMaxAttempts,
    workerConcurrency: config.workerConcurrency,
    buildConcurrency: config.buildConcurrency,
    stepDelayMs: config.stepDelayMs,
    log: log.child({ room: "engine" }),
    observer,
  });

  let httpAddr = config.http.raw;
  const natsInfo = (): NatsInfo => ({
    embedded: supervisor !== undefined,
    url: redactUrl(natsUrl!),
    ...(supervisor
      ? {
          storeDir: supervisor.storeDir,
          storeMode: config.nats.storeMode,
          serverVersion: supervisor.version,
          syncInterval: supervisor.syncInterval,
        }
      : { serverVersion: nc.info?.version }),
  });
  const deps: ApiDeps = {
    config,
    stores,
    engine,
    auth,
    builder,
    nats: natsInfo,
    httpAddr: () => httpAddr,
    readiness: () => readinessChecks(nc, handles.jsm),
    log,
    sseStreams,
    eventHub: new OpEventHub(stores.events),
  };
  const app = createApp({
    auth,
    log,
    requestLine: requestLogWriter(log),
    audit: auditTrail(audit, (c) => c.env?.incoming?.socket?.remoteAddress ?? ""),
    onRequest: (method, route, status, seconds) => {
      metrics.httpRequests.inc({ method, route, status: String(status) });
      metrics.httpDuration.observe({ method, route }, seconds);
    },
  });
  registerApiRoutes(app, deps);
  registerAuditRoutes(app, audit, metrics);
  registerBuildContextRoutes(app, buildContexts);
  registerUiRoutes(app, createStaticFiles(defaultWebRoot()));
  const http = await startHttpServer(app, config.http.host, config.http.port);
  httpAddr = http.addr;
  settings.localApiBaseUrl = config.localApiBaseUrl ?? derivedLocalBaseUrl(http.host, http.port);

  log.info({}, `Portal: http://${http.addr}`);
  log.info({}, `Artifacts root: ${config.artifactsRoot}`);
  log.info(
    {},
    `Image builder mode: requested=${builder.requested} effective=${builder.effective} explicit=${builder.explicit}`,
  );
  if (builder.warning) log.warn({}, `Image builder mode request warning: ${builder.warning}`);
  if (builder.fallbackReason) log.warn({}, `Image builder mode auto-fallback: ${builder.fallbackReason}`);
  if (builder.policyError) log.error({}, `Image builder mode policy: ${builder.policyError}`);
  log.info(
    {},
    config.commitWatcher
      ? "Source commit watcher: enabled"
      : "Source commit watcher: disabled (git hooks remain active)",
  );
  log.info({}, auth.enabled ? "Auth: enabled" : "Auth: disabled (loopback dev mode)");

  const { resumed, backfilled } = await engine.start();
  let watcher: CommitWatcher | undefined;
  if (config.commitWatcher) {
    watcher = new CommitWatcher({
      artifactsRoot: config.artifactsRoot,
      listProjects: async () => (await stores.projects.list()).map((p) => p.id),
      log: log.child({ room: "commit-watcher" }),
      onCommit: async ({ projectId, sha }) => {
        try {
          const r = await engine.ci.trigger({
            projectId,
            commit: sha,
            trigger: "source.main.watcher",
            request: { request_id: "", remote_addr: "", actor: "system" },
          });
          if (!r.accepted) {
            log.debug({ project_id: projectId, commit: sha }, "commit watcher: commit already processed");
            return "deduped";
          }
          log.info({ project_id: projectId, commit: sha, op_id: r.op.id }, "commit watcher started ci");
          return "accepted";
        } catch (err) {
          if (err instanceof ProjectNotFoundError) return "deduped";
          // An active op: look again on the next poll, when it may have finished.
          if (err instanceof ActiveOperationError) return "retry";
          throw err;
        }
      },
    });
    watcher.start();
  }
  log.info(
    { resumed, backfilled },
    `Workers: ${ALL_WORKERS.map((w) => w.name).join(", ")} (resumed ${resumed} operations)`,
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    shuttingDown = true;
    log.info({ signal }, "shutting down");
    const closing = http.close();
    for (const end of [...sseStreams]) end();
    await watcher?.stop();
    await engine.stop(SHUTDOWN_GRACE_MS);
    await closing;
    // Background writes of the last requests (audit records, webhook delivery ids) before the connection goes.
    await Promise.all([audit.flush(), stores.deliveries.flush()]);
    stores.stopCaches();
    await nc.drain().catch(() => undefined);
    await supervisor?.stop();
    log.info({}, "stopped");
    log.flush?.();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}
if (process.argv[2] === "buildkit-check") {
  // `make buildkit-check`: probe BuildKit exactly as the server does at start, then exit.
  const r = await probeBuildkit(config.builder.buildkitAddr);
  process.stdout.write(r.ok ? `BuildKit reachable at ${r.addr}\n` : `BuildKit unreachable: ${r.error}\n`);
  process.exit(r.ok ? 0 : 1);
}
const log = createLogger(config.logLevel, { tty: process.stdout.isTTY === true, noColor: config.noColor });
// Artifacts are 0600/0750 (SPEC §8.1); a 027 umask keeps files git writes inside repos private too.
process.umask(0o027);
main(config, log).catch(async (err: Error) => {
  const message = err instanceof BrokerStartError ? err.message : `startup failed: ${err.message}`;
  log.fatal({ err: err.message }, message);
  process.stderr.write(`${message}\n`);
  await startedSupervisor?.stop().catch(() => undefined);
  process.exit(1);
});

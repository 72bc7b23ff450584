import type { ProjectSpec } from "./shared/spec-types.js";

/** Operation kinds (SPEC §3.1). */
export type OpKind = "create" | "update" | "delete" | "ci" | "deploy" | "promote" | "release" | "rollback";

/** Worker (step) names as they appear in op records and work subjects. */
export type WorkerName =
  | "registrar"
  | "repoBootstrap"
  | "imageBuilder"
  | "manifestRenderer"
  | "deployer"
  | "promoter.plan"
  | "promoter.render"
  | "promoter.commit"
  | "promoter.finalize";

/** Image builder mode resolution (SPEC §9.1), resolved once at start. */
export interface BuilderModeInfo {
  requested: "artifact" | "buildkit";
  effective: "artifact" | "buildkit";
  explicit: boolean;
  warning?: string;
  fallbackReason?: string;
  policyError?: string;
  buildkitAddr?: string;
}

/** A release record (SPEC §7.6). */
export interface ReleaseRecord {
  id: string;
  project_id: string;
  environment: string;
  op_id: string;
  op_kind: string;
  delivery_stage: string;
  from_env?: string;
  to_env?: string;
  image?: string;
  image_digest?: string;
  manifests_commit?: string;
  rendered_path?: string;
  config_path?: string;
  rollback_safe?: boolean;
  rollback_source_release?: string;
  rollback_scope?: string;
  created_at: string;
}

/** Where steps write release records; implemented by the server's store. */
export interface ReleaseSink {
  /** One record by id (normalised), or null. */
  get(id: string): Promise<ReleaseRecord | null>;
  /** The current release of (project, env), or null. */
  current(projectId: string, env: string): Promise<ReleaseRecord | null>;
  /** The record already written for (op, env), if any — steps use it to stay idempotent on redelivery. */
  findForOp(projectId: string, env: string, opId: string): Promise<ReleaseRecord | null>;
  /** Store a record and make it the current release of its environment. */
  write(record: ReleaseRecord): Promise<void>;
}

/** Webhook secrets (SPEC §6.3); implemented by the server's store. */
export interface SecretStore {
  /** The project's webhook secret, created (64 hex chars) on first use. */
  getOrCreateWebhookSecret(projectId: string): Promise<string>;
}

/** Serves build contexts to BuildKit through capability URLs (SPEC §9.3); implemented by the HTTP server. */
export interface BuildContextServer {
  /** Serve a tar at `<base>/_build/context/<64 hex>.tar` until `revoke()` is called. */
  serve(tar: Uint8Array): { url: string; revoke(): void };
}

/** The minimal logger a step gets (pino-compatible). */
export interface StepLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A `step.progress` event a step may emit while it runs. */
export interface StepProgress {
  message: string;
  cached?: boolean;
  completed?: boolean;
  error?: string;
}

/** Settings every step may read; fixed at start. */
export interface StepSettings {
  artifactsRoot: string;
  /** Base URL baked into git hooks (no trailing slash). */
  localApiBaseUrl: string;
  builder: BuilderModeInfo;
  buildBaseImage: string;
  /** PAAS_BUILD_TIMEOUT in milliseconds. */
  buildTimeoutMs: number;
}

/** What the engine hands every step (DESIGN §1). Steps import nothing from server/. */
export interface StepContext {
  projectId: string;
  /** The spec snapshot taken when the op was accepted. */
  spec: ProjectSpec;
  opId: string;
  opKind: OpKind;
  /** Extra op input (ci commit, delivery parameters…). */
  input: Record<string, unknown>;
  worker: WorkerName;
  /** 1-based delivery attempt of this step. */
  attempt: number;
  /** `<artifactsRoot>/<projectId>` */
  projectDir: string;
  settings: StepSettings;
  releases: ReleaseSink;
  secrets: SecretStore;
  buildContexts: BuildContextServer;
  log: StepLogger;
  signal: AbortSignal;
  emit(progress: StepProgress): Promise<void>;
}

/** What a step returns on success. */
export interface StepResult {
  message: string;
  /** Relative paths (to projectDir) the step wrote; the engine sorts and dedupes them. */
  artifacts: string[];
  /** Replace the project's spec with this one (rollback commit, SPEC §7.4); the engine applies it. */
  projectSpec?: ProjectSpec;
}

/** A step implementation. */
export interface Worker {
  name: WorkerName;
  /** The step's start message (SPEC §3.2). */
  startMessage(ctx: Pick<StepContext, "opKind" | "settings" | "input">): string;
  run(ctx: StepContext): Promise<StepResult>;
}

/** A step failure. `transient` failures are retried with backoff (SPEC §3.6); the rest fail the op at once. */
export class StepError extends Error {
  readonly transient: boolean;
  /** Relative paths the step wrote before failing (e.g. BuildKit logs); listed on the failed step. */
  readonly artifacts: string[];
  constructor(message: string, options: { transient?: boolean; cause?: unknown; artifacts?: string[] } = {}) {
    super(message, { cause: options.cause });
    this.name = "StepError";
    this.transient = options.transient ?? false;
    this.artifacts = options.artifacts ?? [];
  }
}

/** Shorthand for a retryable failure (timeouts, unreachable daemons). */
export class TransientStepError extends StepError {
  constructor(message: string, options: { cause?: unknown; artifacts?: string[] } = {}) {
    super(message, { transient: true, cause: options.cause, artifacts: options.artifacts });
    this.name = "TransientStepError";
  }
}

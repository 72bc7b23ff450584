// Response and request shapes the UI reads (SPEC §2.4, §3.3, §4, §5.2, §7, §11, §12). The web bundle imports
// nothing from server/: these are declared here, loosely where the UI does not care.

export type Phase = "Ready" | "Reconciling" | "Deleting" | "Error" | (string & {});
export type OpStatus = "queued" | "running" | "done" | "error";
export type OpKind = "create" | "update" | "delete" | "ci" | "deploy" | "promote" | "release" | "rollback";

export interface EnvSpec {
  vars?: Record<string, string>;
}

export interface ProjectSpec {
  apiVersion?: string;
  kind?: string;
  name: string;
  runtime: string;
  capabilities?: string[];
  environments: Record<string, EnvSpec>;
  networkPolicies?: { ingress: string; egress: string };
}

export interface ProjectStatus {
  phase: Phase;
  updated_at: string;
  last_op_id: string;
  last_op_kind: string;
  message?: string;
}

export interface Project {
  id: string;
  created_at: string;
  updated_at: string;
  spec: ProjectSpec;
  status: ProjectStatus;
}

export interface Delivery {
  stage?: string;
  environment?: string;
  from_env?: string;
  to_env?: string;
}

export interface OpStep {
  worker: string;
  started_at: string;
  ended_at: string;
  message?: string;
  error?: string;
  artifacts?: string[];
}

export interface Operation {
  id: string;
  kind: OpKind | (string & {});
  project_id: string;
  delivery?: Delivery;
  requested: string;
  finished: string;
  status: OpStatus;
  error?: string;
  steps: OpStep[];
}

/** One SSE payload (SPEC §5.2). */
export interface OpEvent {
  event_id: string;
  sequence: number;
  op_id: string;
  project_id: string;
  kind: string;
  status: OpStatus;
  at: string;
  worker?: string;
  step_index?: number;
  total_steps: number;
  progress_percent?: number;
  duration_ms?: number;
  message?: string;
  error?: string;
  artifacts?: string[];
  delivery?: Delivery;
  hint?: string;
  cached?: boolean;
  completed?: boolean;
}

export interface HistoryItem {
  id: string;
  kind: string;
  status: OpStatus;
  requested: string;
  finished: string;
  error?: string;
  summary_message?: string;
  last_event_sequence: number;
  last_update_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

// The UI imports only types from the API layer (DESIGN §1): one definition of a release record.
export type { ReleaseRecord } from "../../workers/types.js";

export interface Gate {
  code: string;
  title: string;
  status: "passed" | "blocked" | "warning" | (string & {});
  detail: string;
}

export interface Blocker {
  code: string;
  message: string;
  why: string;
  next_action: string;
}

export interface PreviewRelease {
  id: string;
  environment: string;
  image?: string;
  op_kind?: string;
  delivery_stage?: string;
  created_at: string;
}

export interface PromotionPreview {
  action: "promote" | "release";
  source_release?: PreviewRelease;
  target_release?: PreviewRelease;
  change_summary: string;
  gates: Gate[];
  blockers: Blocker[];
  rollout_plan: string[];
}

export interface Delta {
  changed: boolean;
  from?: string;
  to?: string;
  added?: string[];
  removed?: string[];
  updated?: string[];
}

export interface CompareResponse {
  from_id: string;
  to_id: string;
  summary: string;
  image_delta: Delta;
  config_delta: Delta;
  rendered_delta: Delta;
}

export type RollbackScope = "code_only" | "code_and_config" | "full_state";

export interface RollbackRequest {
  project_id: string;
  environment: string;
  release_id: string;
  scope: RollbackScope | (string & {});
  override?: boolean;
}

export interface RollbackPreview {
  project_id: string;
  environment: string;
  release_id: string;
  scope: string;
  override?: boolean;
  ready: boolean;
  source_release?: PreviewRelease;
  current_release?: PreviewRelease;
  compare?: CompareResponse;
  gates: Gate[];
  blockers: Blocker[];
}

export type MilestoneStatus = "complete" | "in_progress" | "pending" | "blocked" | "failed";

export interface Milestone {
  id: string;
  title: string;
  status: MilestoneStatus | (string & {});
  detail: string;
}

export interface JourneyEnvironment {
  name: string;
  state: "live" | "pending" | (string & {});
  image?: string;
  image_source?: string;
  delivery_type?: string;
  delivery_path?: string;
  detail: string;
}

export type NextActionKind = "build" | "deploy_dev" | "promote" | "release" | "investigate" | "none";

export interface NextAction {
  kind: NextActionKind | (string & {});
  label: string;
  detail: string;
  environment?: string;
  from_env?: string;
  to_env?: string;
}

export interface Journey {
  summary: string;
  milestones: Milestone[];
  environments: JourneyEnvironment[];
  next_action: NextAction;
  artifact_stats?: Record<string, number>;
  recent_operation?: Operation;
  last_update_time?: string;
}

export interface OverviewEnvironment {
  name: string;
  health_status: "healthy" | "degraded" | "failing" | "unknown" | (string & {});
  delivery_state: string;
  running_image?: string;
  delivery_type: string;
  delivery_path?: string;
  config_readiness: string;
  secrets_readiness: string;
  last_delivery_at?: string;
}

export interface Overview {
  summary: string;
  environments: OverviewEnvironment[];
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  project_id?: string;
  op_id?: string;
  outcome: string;
  status_code?: number;
  request_id: string;
  remote_addr: string;
}

export interface SystemInfo {
  version?: string;
  http_addr?: string;
  artifacts_root?: string;
  data_dir?: string;
  builder_mode_requested?: string;
  builder_mode_effective?: string;
  builder_mode_reason?: string;
  builder_policy_error?: string;
  buildkit_addr?: string;
  commit_watcher_enabled?: boolean;
  auth_enabled?: boolean;
  nats?: {
    embedded?: boolean;
    mode?: string;
    url?: string;
    store_dir?: string;
    store_dir_mode?: string;
    server_version?: string;
    sync_interval?: string;
  };
  realtime?: { sse_enabled?: boolean; sse_replay_window?: number; sse_heartbeat_interval?: string };
  time?: string;
}

export interface Session {
  auth_enabled: boolean;
  authenticated: boolean;
}

/** 202 body of create/update/deploy/promotion/release/rollback (and delete, which has no project). */
export interface Accepted {
  accepted: true;
  project?: Project;
  project_id?: string;
  deleted?: boolean;
  op: Operation;
}

/** 202 body of `POST /api/webhooks/source` (SPEC §6.1). */
export interface WebhookReply {
  accepted: boolean;
  reason: string;
  trigger: string;
  project: string;
  op: Operation | null;
  commit: string;
}

/** `build/publish-local-daemon.json` (SPEC §9.5). */
export interface PublishRecord {
  op_id?: string;
  project_id?: string;
  image?: string;
  image_digest?: string;
  source_commit?: string;
  runtime?: string;
  published_at?: string;
  daemon_target?: string;
  builder_backend?: string;
  builder_mode?: string;
  effective_builder_mode?: string;
  requested_builder_mode?: string;
  builder_mode_explicit?: boolean;
  builder_mode_warning?: string;
  builder_mode_fallback_reason?: string;
  builder_mode_policy_error?: string;
  buildkit_addr?: string;
  buildkit_exporter?: string;
}

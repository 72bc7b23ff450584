// Response and request shapes the UI reads (SPEC §2.4, §3.3, §4, §5.2, §7, §11, §12). DESIGN §1: the UI imports
// only *types* from the API layer, so the records the server defines come from there (`import type`/`export type`
// are erased at build time: no server code enters the web bundle). The shapes declared below are the ones the server
// builds inline without a named type behind a room's entry file.

export type { ProjectSpec, EnvironmentSpec } from "../../workers/shared/spec-types.js";
export type { OpKind, ReleaseRecord } from "../../workers/types.js";
export type {
  Delivery,
  OpEvent,
  OpStatus,
  OpStep,
  Operation,
  Project,
  ProjectPhase,
  ProjectStatus,
} from "../../server/store/index.js";
export type {
  CompareResponse,
  EnvironmentState as JourneyEnvironment,
  Journey,
  Milestone,
  MilestoneStatus,
  NextAction,
  NextActionKind,
  Overview,
  OverviewEnvironment,
} from "../../server/read-models/index.js";
export type { AuditRecord } from "../../server/audit/index.js";

import type { OpStatus, Operation, Project } from "../../server/store/index.js";
import type { CompareResponse } from "../../server/read-models/index.js";

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

export type RollbackScope = "code_only" | "code_and_config" | "full_state";

export interface RollbackRequest {
  project_id: string;
  environment: string;
  release_id: string;
  scope: RollbackScope | (string & {});
  override?: boolean;
}

/** A config delta of a release compare (SPEC §7.7), the widest of the three. */
export type Delta = CompareResponse["config_delta"];

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

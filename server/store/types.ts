import type { ProjectSpec } from "../../workers/shared/spec-types.js";
import type { OpKind, WorkerName } from "../../workers/types.js";

export type ProjectPhase = "Reconciling" | "Deleting" | "Ready" | "Error";

export interface ProjectStatus {
  phase: ProjectPhase;
  updated_at: string;
  last_op_id: string;
  last_op_kind: string;
  message?: string;
}

/** Project record (SPEC §2.4). */
export interface Project {
  id: string;
  created_at: string;
  updated_at: string;
  spec: ProjectSpec;
  status: ProjectStatus;
}

export type OpStatus = "queued" | "running" | "done" | "error";

export interface Delivery {
  stage?: string;
  environment?: string;
  from_env?: string;
  to_env?: string;
}

export interface OpStep {
  worker: WorkerName;
  started_at: string;
  ended_at: string;
  message?: string;
  error?: string;
  artifacts?: string[];
}

/** The API view of an operation (SPEC §3.3). */
export interface Operation {
  id: string;
  kind: OpKind;
  project_id: string;
  delivery?: Delivery;
  requested: string;
  finished: string;
  status: OpStatus;
  error?: string;
  steps: OpStep[];
}

/** What the op record keeps besides the API view; never returned by the API. */
export interface OpInput {
  spec: ProjectSpec;
  request_id: string;
  remote_addr: string;
  actor: string;
  /** ci: the commit to build and what triggered it. */
  commit?: string;
  trigger?: string;
  /** delivery parameters (promote/release/rollback). */
  from_env?: string;
  to_env?: string;
  environment?: string;
  release_id?: string;
  scope?: string;
  override?: boolean;
}

export interface StoredOp extends Operation {
  input: OpInput;
}

/** The SSE payload of one op event (SPEC §5.2). */
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
  delivery: Delivery;
  hint?: string;
  cached?: boolean;
  completed?: boolean;
}

export type OpEventName =
  | "op.bootstrap"
  | "op.status"
  | "step.started"
  | "step.progress"
  | "step.ended"
  | "step.artifacts"
  | "op.failed"
  | "op.completed";

/** A stored event with its stream position. */
export interface StoredOpEvent {
  name: OpEventName;
  streamSeq: number;
  payload: OpEvent;
}

/** Strip the stored-only fields of an op for the API. */
export function toOperation(op: StoredOp): Operation {
  const { input: _input, ...rest } = op;
  return rest;
}

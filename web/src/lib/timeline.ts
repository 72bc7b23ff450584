// The live-activity model: an idempotent reducer over SSE events (SPEC §5) and the per-step timeline built from
// it plus the authoritative `GET /api/ops/{id}` JSON (SPEC §3.3). Step rows are keyed by step position, so replays,
// reconnects and snapshots can never produce a duplicate or a missing row.

import type { Operation, OpEvent, OpStatus } from "../types.js";
import { durationBetween, isZeroTime } from "./format.js";

export const TERMINAL_EVENTS = new Set(["op.completed", "op.failed"]);
export const EVENT_NAMES = [
  "op.bootstrap",
  "op.status",
  "step.started",
  "step.progress",
  "step.ended",
  "step.artifacts",
  "op.failed",
  "op.completed",
  "op.heartbeat",
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

const PROMOTER = ["promoter.plan", "promoter.render", "promoter.commit", "promoter.finalize"];
const KIND_STEPS: Record<string, string[]> = {
  create: ["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"],
  update: ["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"],
  delete: ["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"],
  ci: ["imageBuilder", "manifestRenderer"],
  deploy: ["deployer"],
  promote: PROMOTER,
  release: PROMOTER,
  rollback: PROMOTER,
};

/** SPEC §3.1 steps of a kind, in order ([] for an unknown kind). */
export const plannedSteps = (kind: string | undefined): string[] => KIND_STEPS[kind ?? ""] ?? [];

const LABELS: Record<string, string> = {
  registrar: "Register app configuration",
  repoBootstrap: "Bootstrap source and manifests repos",
  imageBuilder: "Build and publish image",
  manifestRenderer: "Render and deploy dev manifests",
  deployer: "Deploy to dev",
  "promoter.plan": "Plan the transition",
  "promoter.render": "Render target manifests",
  "promoter.commit": "Commit manifests",
  "promoter.finalize": "Record release and finish",
};
const DELETE_LABELS: Record<string, string> = {
  registrar: "Stage deregistration",
  repoBootstrap: "Plan repository teardown",
  imageBuilder: "Plan image prune",
  manifestRenderer: "Delete app and clean artifacts",
};

/** A friendly label for a worker name. */
export function stepLabel(worker: string, kind?: string): string {
  if (kind === "delete" && DELETE_LABELS[worker]) return DELETE_LABELS[worker];
  if (kind === "rollback" && worker === "promoter.plan") return "Plan the rollback";
  return LABELS[worker] ?? worker;
}

const KIND_LABELS: Record<string, string> = {
  create: "Create app",
  update: "Update app",
  delete: "Delete app",
  ci: "Source build",
  deploy: "Deploy to dev",
  promote: "Promotion",
  release: "Release",
  rollback: "Rollback",
};
export const kindLabel = (kind: string | undefined) => KIND_LABELS[kind ?? ""] ?? kind ?? "Operation";

/** SPEC §5.2 hint for an error text (used when the hint did not arrive in an event, e.g. while polling). */
export function hintFor(error: string | undefined): string | undefined {
  if (!error) return undefined;
  const e = error.toLowerCase();
  if (e.includes("no build image found")) return "Run a build first so there is an image ready to deploy.";
  if (e.includes("from_env") || e.includes("to_env"))
    return "Verify source and target environments exist and are different.";
  if (e.includes("timeout")) return "The operation timed out. Retry and inspect worker step details.";
  if (e.includes("not found")) return "Refresh project data. The target project or artifact may no longer exist.";
  return "Inspect artifacts and step details, then retry when inputs are corrected.";
}

export const isTerminal = (s: string | undefined) => s === "done" || s === "error";

// ---- the event reducer ---------------------------------------------------------------------------------------

export interface LogLine {
  seq: number;
  worker?: string;
  stepIndex?: number;
  message: string;
  cached?: boolean;
  completed?: boolean;
  error?: string;
  at: string;
}

export interface EventRow {
  seq: number;
  name: string;
  status: OpStatus;
  worker?: string;
  message?: string;
}

export interface StepInfo {
  worker?: string;
  state: "running" | "done" | "error";
  message?: string;
  error?: string;
  hint?: string;
  durationMs?: number;
  artifacts?: string[];
}

export interface StreamState {
  /** Highest stored sequence applied (a snapshot counts as having seen its `sequence`). */
  lastSequence: number;
  /** Recorded events applied, in sequence order, each once. */
  events: EventRow[];
  /** Sequence of the snapshot when the stream started from one (events up to it were not replayed). */
  snapshotSequence?: number;
  log: LogLine[];
  steps: Record<number, StepInfo>;
  kind?: string;
  status?: OpStatus;
  totalSteps?: number;
  progress?: number;
  error?: string;
  hint?: string;
  terminal: boolean;
}

export const MAX_LOG_LINES = 1000;

export const emptyStream = (): StreamState => ({ lastSequence: 0, events: [], log: [], steps: {}, terminal: false });

const STATUS_RANK: Record<string, number> = { queued: 0, running: 1, done: 2, error: 2 };
const laterStatus = (a: OpStatus | undefined, b: OpStatus | undefined): OpStatus | undefined => {
  if (!a) return b;
  if (!b) return a;
  return (STATUS_RANK[b] ?? 0) >= (STATUS_RANK[a] ?? 0) ? b : a;
};

/**
 * Applies one SSE event. Pure and idempotent: a recorded event whose sequence was already applied (a replay after
 * a reconnect) changes nothing; heartbeats change nothing; a snapshot updates the summary fields only.
 */
export function applyEvent(state: StreamState, name: string, ev: OpEvent): StreamState {
  if (name === "op.heartbeat" || ev.event_id === "heartbeat") return state;
  const isSnapshot = name === "op.bootstrap" && ev.event_id === "bootstrap";
  const seq = Number(ev.sequence) || 0;
  if (!isSnapshot && seq <= state.lastSequence) return state;

  const next: StreamState = {
    ...state,
    kind: ev.kind || state.kind,
    totalSteps: ev.total_steps || state.totalSteps,
    status: state.terminal ? state.status : laterStatus(state.status, ev.status),
  };
  if (typeof ev.progress_percent === "number") next.progress = Math.max(state.progress ?? 0, ev.progress_percent);

  if (isSnapshot) {
    if (seq > state.lastSequence) {
      next.lastSequence = seq;
      if (state.events.length === 0) next.snapshotSequence = seq;
    }
    if (ev.error) next.error = ev.error;
    if (ev.hint) next.hint = ev.hint;
    if (isTerminal(ev.status)) next.terminal = true;
    return next;
  }

  next.lastSequence = seq;
  next.events = [...state.events, { seq, name, status: ev.status, worker: ev.worker, message: ev.message }];
  const idx = ev.step_index;
  switch (name) {
    case "step.started":
      if (idx) next.steps = { ...state.steps, [idx]: { worker: ev.worker, state: "running", message: ev.message } };
      break;
    case "step.ended":
    case "step.artifacts":
      if (idx) {
        const prev = state.steps[idx];
        next.steps = {
          ...state.steps,
          [idx]: {
            worker: ev.worker ?? prev?.worker,
            state: ev.error ? "error" : "done",
            message: name === "step.artifacts" ? (prev?.message ?? ev.message) : ev.message,
            error: ev.error ?? prev?.error,
            hint: ev.hint ?? prev?.hint,
            durationMs: ev.duration_ms ?? prev?.durationMs,
            artifacts: ev.artifacts ?? prev?.artifacts,
          },
        };
      }
      break;
    case "step.progress": {
      const line: LogLine = {
        seq,
        worker: ev.worker,
        stepIndex: idx,
        message: ev.message ?? "",
        cached: ev.cached,
        completed: ev.completed,
        error: ev.error,
        at: ev.at,
      };
      const log = [...state.log, line];
      next.log = log.length > MAX_LOG_LINES ? log.slice(log.length - MAX_LOG_LINES) : log;
      if (idx && !state.steps[idx]) next.steps = { ...state.steps, [idx]: { worker: ev.worker, state: "running" } };
      break;
    }
    case "op.failed":
      next.error = ev.error ?? state.error;
      next.hint = ev.hint ?? state.hint;
      next.status = "error";
      next.terminal = true;
      break;
    case "op.completed":
      next.status = "done";
      next.progress = 100;
      next.terminal = true;
      break;
    case "op.status":
      if (ev.error) next.error = ev.error;
      break;
  }
  return next;
}

// ---- the timeline view ---------------------------------------------------------------------------------------

export type RowState = "pending" | "running" | "done" | "error";

export interface TimelineRow {
  index: number;
  worker: string;
  label: string;
  state: RowState;
  message?: string;
  error?: string;
  hint?: string;
  durationMs?: number;
  startedAt?: string;
  artifacts: string[];
}

export interface Timeline {
  kind?: string;
  status?: OpStatus;
  progress: number;
  rows: TimelineRow[];
  error?: string;
  hint?: string;
}

const ROW_RANK: Record<RowState, number> = { pending: 0, running: 1, done: 2, error: 2 };

/** Merges the op JSON (authoritative, maybe a moment old) with the events (maybe a moment newer). */
export function buildTimeline(op: Operation | null, stream: StreamState): Timeline {
  const kind = op?.kind ?? stream.kind;
  const planned = plannedSteps(kind);
  const opSteps = op?.steps ?? [];
  const maxEventIndex = Math.max(0, ...Object.keys(stream.steps).map(Number));
  const total = Math.max(planned.length, opSteps.length, stream.totalSteps ?? 0, maxEventIndex);
  const status = op ? (stream.terminal ? stream.status : laterStatus(op.status, stream.status)) : stream.status;

  const rows: TimelineRow[] = [];
  for (let i = 1; i <= total; i++) {
    const s = opSteps[i - 1];
    const e = stream.steps[i];
    const worker = s?.worker ?? e?.worker ?? planned[i - 1] ?? `step ${i}`;
    let state: RowState = "pending";
    if (s) state = isZeroTime(s.ended_at) ? "running" : s.error ? "error" : "done";
    if (e && ROW_RANK[e.state] > ROW_RANK[state]) state = e.state;
    const fromOp = s && !isZeroTime(s.ended_at);
    const error = s?.error ?? e?.error;
    rows.push({
      index: i,
      worker,
      label: stepLabel(worker, kind),
      state,
      message: (fromOp ? s?.message : undefined) ?? e?.message ?? s?.message,
      error,
      hint: e?.hint ?? (error ? hintFor(error) : undefined),
      durationMs: e?.durationMs ?? durationBetween(s?.started_at, s?.ended_at),
      startedAt: s?.started_at,
      artifacts: s?.artifacts ?? e?.artifacts ?? [],
    });
  }

  const ended = rows.filter((r) => r.state === "done").length;
  // SPEC §5.2: floor(100 × steps ended without error / total); ≥ 1 while running or failed; 100 when done.
  let progress = Math.max(total > 0 ? Math.floor((100 * ended) / total) : 0, stream.progress ?? 0);
  if (status === "done") progress = 100;
  else if (status === "running" || status === "error") progress = Math.max(1, progress);
  else if (status === "queued") progress = 0;

  const error = op?.error ?? stream.error;
  return {
    kind,
    status,
    progress,
    rows,
    error: status === "error" ? error : undefined,
    hint: status === "error" ? (stream.hint ?? hintFor(error)) : undefined,
  };
}

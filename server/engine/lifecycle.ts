import type { Stores, StoredOp, OpEventName, Operation, PublishOptions } from "../store/index.js";
import { RevisionConflictError, toOperation } from "../store/index.js";
import { basePayload, hintFor, type EventBody } from "./payloads.js";
import { nowIso } from "../../workers/shared/ids.js";
import type { ProjectSpec } from "../../workers/shared/spec-types.js";

export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Hooks other rooms attach to op lifecycle changes (audit, metrics); called after the change is stored. */
export interface EngineObserver {
  /** The op entered `op.status` (queued, running, done or error). */
  opStatus?(op: StoredOp): void;
  stepEnded?(op: StoredOp, worker: string, outcome: "ok" | "error" | "retry", seconds: number): void;
}

/** Emit an event for an op, filling the shared fields from the op. */
export async function emit(
  stores: Stores,
  name: OpEventName,
  op: Operation,
  extra: Partial<EventBody> = {},
  opts?: PublishOptions,
): Promise<void> {
  await stores.events.publish(name, { ...basePayload(op), ...extra }, opts);
}

/** The terminal events of an op that reached done or error (SPEC §5.3). */
export async function emitTerminal(stores: Stores, op: Operation): Promise<void> {
  if (op.status === "done") {
    await emit(stores, "op.status", op, { message: "operation status updated" });
    await emit(stores, "op.completed", op, { message: "operation completed", progress_percent: 100 });
  } else {
    await emit(stores, "op.failed", op, {
      message: "operation failed",
      error: op.error,
      hint: hintFor(op.error ?? ""),
    });
  }
}

/**
 * Set the project's status at the end of an op (SPEC §3.4): done → Ready/ready, error → Error/<error>;
 * a successful delete removes the project's records instead. Only touches the project while this op is
 * still its last op.
 */
export async function settleProject(stores: Stores, op: StoredOp): Promise<void> {
  if (op.kind === "ci" && op.input.commit) {
    // A failed commit may run again; a succeeded one stays deduped (SPEC §6.2).
    await stores.commits.settle(op.project_id, op.input.commit, op.id, op.status === "done" ? "succeeded" : "failed");
  }
  if (op.kind === "delete" && op.status === "done") {
    const p = await stores.projects.get(op.project_id);
    if (p && p.value.status.last_op_id === op.id) await stores.forgetProject(op.project_id);
    return;
  }
  for (let i = 0; i < 50; i++) {
    const cur = await stores.projects.get(op.project_id);
    if (!cur || cur.value.status.last_op_id !== op.id) return;
    const now = nowIso();
    const next = {
      ...cur.value,
      updated_at: now,
      status:
        op.status === "done"
          ? { ...cur.value.status, phase: "Ready" as const, message: "ready", updated_at: now }
          : { ...cur.value.status, phase: "Error" as const, message: op.error ?? "operation failed", updated_at: now },
    };
    try {
      await stores.projects.update(next, cur.revision);
      return;
    } catch (err) {
      if (!(err instanceof RevisionConflictError)) throw err;
    }
  }
}

/**
 * Make sure a terminal op has its terminal event and settled project — a process that died between
 * the op's final CAS and its events leaves them missing; the redelivered step repairs it.
 */
export async function repairTerminal(stores: Stores, op: StoredOp): Promise<void> {
  const last = await stores.events.last(op.id);
  if (last && (last.name === "op.completed" || last.name === "op.failed")) {
    await settleProject(stores, op);
    return;
  }
  await settleProject(stores, op);
  if (op.status === "error")
    await emit(stores, "op.status", toOperation(op), { message: "operation status updated", error: op.error });
  await emitTerminal(stores, toOperation(op));
}

/** A step asked to replace the project's spec (rollback commit, SPEC §7.4): CAS, while this op is the last. */
export async function replaceProjectSpec(stores: Stores, op: StoredOp, spec: ProjectSpec): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const cur = await stores.projects.get(op.project_id);
    if (!cur || cur.value.status.last_op_id !== op.id) return;
    try {
      await stores.projects.update({ ...cur.value, spec, updated_at: nowIso() }, cur.revision);
      return;
    } catch (err) {
      if (!(err instanceof RevisionConflictError)) throw err;
    }
  }
}

import { withRetries } from "./retry.js";
import { headers } from "@nats-io/nats-core";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Delivery, OpInput, Project, ProjectPhase, Stores, StoredOp } from "../store/index.js";
import { RevisionConflictError, toOperation } from "../store/index.js";
import type { OpKind } from "../../workers/types.js";
import type { ProjectSpec } from "../../workers/shared/spec-types.js";
import { newId32, nowIso, ZERO_TIME } from "../../workers/shared/ids.js";
import { STEP_ORDER, workSubject, type WorkMessage } from "./steps.js";
import { emit, settleProject, type EngineLogger, type EngineObserver } from "./lifecycle.js";
import { ActiveOperationError, EnqueueError, ProjectExistsError, ProjectNotFoundError, StoreError } from "./errors.js";

export interface SubmitRequest {
  kind: OpKind;
  projectId: string;
  /** Project status message while queued (SPEC §2.4). */
  queuedMessage: string;
  delivery?: Delivery;
  /** `spec` defaults to the new spec (update) or the project's current spec. */
  input: Omit<OpInput, "spec"> & { spec?: ProjectSpec };
  /** update: the new spec, stored on the project at once. */
  newSpec?: ProjectSpec;
}

export interface Accepted {
  project: Project;
  op: StoredOp;
}

function phaseFor(kind: OpKind): ProjectPhase {
  return kind === "delete" ? "Deleting" : "Reconciling";
}

/** Accepts operations: the op record, the project's status CAS, the first events and the first work. */
export class Enqueuer {
  constructor(
    private readonly stores: Stores,
    private readonly js: JetStreamClient,
    private readonly log: EngineLogger,
    private readonly observer: EngineObserver = {},
  ) {}

  private newOp(req: SubmitRequest & { input: OpInput }): StoredOp {
    const op: StoredOp = {
      id: newId32(),
      kind: req.kind,
      project_id: req.projectId,
      requested: nowIso(),
      finished: ZERO_TIME,
      status: "queued",
      steps: [],
      input: req.input,
    };
    if (req.delivery) op.delivery = req.delivery;
    return op;
  }

  /** Register a new project and its `create` op (SPEC §4.1 create). */
  async create(projectId: string, spec: ProjectSpec, input: OpInput): Promise<Accepted> {
    const op = this.newOp({ kind: "create", projectId, queuedMessage: "queued", input });
    const now = op.requested;
    const project: Project = {
      id: projectId,
      created_at: now,
      updated_at: now,
      spec,
      status: { phase: "Reconciling", updated_at: now, last_op_id: op.id, last_op_kind: "create", message: "queued" },
    };
    // The op record goes first so a project never names an op that does not exist.
    try {
      await this.stores.ops.create(op);
    } catch (err) {
      throw new StoreError("persist project", { cause: err });
    }
    try {
      await this.stores.projects.create(project);
    } catch (err) {
      if (err instanceof RevisionConflictError) {
        await this.stores.ops.remove(op.id).catch(() => undefined);
        throw new ProjectExistsError(projectId);
      }
      // A timeout may hide a write that landed (NATS restarting): end the op and roll the project back for sure.
      await this.failEnqueue(project, op, err as Error);
    }
    return this.start(project, op);
  }

  /**
   * Accept an op for an existing project. The active-op check and the project status write are one CAS
   * on the project record, so of two racing requests exactly one wins (SPEC §3.5).
   */
  async submit(req: SubmitRequest): Promise<Accepted> {
    const input: OpInput = { ...req.input, spec: req.input.spec ?? req.newSpec ?? ({} as ProjectSpec) };
    const op = this.newOp({ ...req, input });
    let opStored = false;
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        let cur: Awaited<ReturnType<Stores["projects"]["get"]>>;
        try {
          // First from the mirror (it carries the revision; a stale one only costs a failed CAS and a KV read).
          cur = (attempt === 0 ? this.stores.projects.cache.get(req.projectId) : undefined) ?? null;
          cur ??= await this.stores.projects.get(req.projectId);
        } catch (err) {
          throw new StoreError("read project", { cause: err });
        }
        if (!cur) throw new ProjectNotFoundError(req.projectId);
        const lastId = cur.value.status.last_op_id;
        // Ready and Error are written only by settling the project's last op once it is terminal (and a CAS on the
        // project record orders that against this write), so only Reconciling/Deleting need the op read.
        const settled = cur.value.status.phase === "Ready" || cur.value.status.phase === "Error";
        if (lastId && !settled) {
          const last = await this.stores.ops.get(lastId);
          if (last && (last.value.status === "queued" || last.value.status === "running")) {
            throw new ActiveOperationError(req.projectId, req.kind, {
              id: last.value.id,
              kind: last.value.kind,
              status: last.value.status,
            });
          }
        }
        if (!opStored) {
          if (!req.input.spec && !req.newSpec) op.input.spec = cur.value.spec;
          // The op exists from the moment it passed the active-op check (no overlap with the previous op).
          op.requested = nowIso();
          await this.stores.ops.create(op);
          opStored = true;
        }
        const now = nowIso();
        const project: Project = {
          ...cur.value,
          spec: req.newSpec ?? cur.value.spec,
          updated_at: now,
          status: {
            phase: phaseFor(req.kind),
            updated_at: now,
            last_op_id: op.id,
            last_op_kind: req.kind,
            message: req.queuedMessage,
          },
        };
        try {
          await this.stores.projects.update(project, cur.revision);
          opStored = false; // now owned by the project
          return await this.start(project, op);
        } catch (err) {
          if (!(err instanceof RevisionConflictError)) throw err;
          // Lost a race: re-read; the winner's op is now active and the loop answers 409.
        }
      }
      throw new StoreError("persist project");
    } finally {
      if (opStored) await this.stores.ops.remove(op.id).catch(() => undefined);
    }
  }

  /** Index the op, emit op.bootstrap + op.status(queued), then publish the first step's work. */
  private async start(project: Project, op: StoredOp): Promise<Accepted> {
    // From here the project names the op: any failure (NATS restarting under a request) must end the op and roll
    // back or settle the project, or a queued op without work would block the project for good (chaos R1).
    try {
      const view = toOperation(op);
      this.stores.events.expectNew(op.id); // a new op has no events: its first publish needs no tail read
      // The history index and the first two events are independent writes: one wait instead of three in a row.
      await Promise.all([
        this.stores.ops.addToIndex(project.id, op.id),
        emit(this.stores, "op.bootstrap", view, { message: "operation accepted and queued" }).then(() =>
          emit(this.stores, "op.status", view, { message: "queued" }),
        ),
      ]);
      this.observer.opStatus?.(op);
      await publishWork(this.js, op, STEP_ORDER[op.kind][0]);
    } catch (err) {
      await this.failEnqueue(project, op, err as Error);
    }
    return { project, op };
  }

  private async failEnqueue(project: Project, op: StoredOp, cause: Error): Promise<never> {
    const reason = `publish op: ${cause.message}`;
    this.log.error({ op_id: op.id, err: cause.message }, "enqueue failed");
    // The broker may be restarting: the recording is retried for ~20 s so the op does not stay queued.
    const failed = await withRetries(() =>
      this.stores.ops.mutate(op.id, (o) => ({ ...o, status: "error", error: reason, finished: nowIso() })),
    );
    const failedOp = failed?.value ?? { ...op, status: "error" as const, error: reason };
    const view = toOperation(failedOp);
    await emit(this.stores, "op.status", view, { message: "operation status updated", error: reason }).catch(
      () => undefined,
    );
    await emit(this.stores, "op.failed", view, { message: "operation failed", error: reason }).catch(() => undefined);
    this.observer.opStatus?.(failedOp);
    let rolledBack: boolean | undefined;
    let rollbackFailed = false;
    if (op.kind === "create") {
      try {
        await withRetries(() => this.stores.projects.delete(project.id));
        await withRetries(() => this.stores.ops.deleteIndex(project.id));
        rolledBack = true;
      } catch {
        rolledBack = false;
        rollbackFailed = true;
      }
    } else {
      await withRetries(() => settleProject(this.stores, failedOp)).catch(() => undefined);
    }
    throw new EnqueueError(reason, op.kind, view, project, rolledBack, rollbackFailed, { cause });
  }
}

/** Publish one step's work with a deduplicating message id `<opId>.<step>`. */
export async function publishWork(
  js: JetStreamClient,
  op: Pick<StoredOp, "id" | "project_id" | "kind">,
  step: WorkMessage["step"],
): Promise<void> {
  const msg: WorkMessage = { op_id: op.id, project_id: op.project_id, kind: op.kind, step, enqueued_at: nowIso() };
  await js.publish(workSubject(step), JSON.stringify(msg), { msgID: `${op.id}.${step}`, headers: headers() });
}

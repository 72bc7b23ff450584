import type { OpStatus, Operation, Project } from "../store/index.js";

/** Another op of the project is queued or running (SPEC §3.5). */
export class ActiveOperationError extends Error {
  constructor(
    readonly projectId: string,
    readonly requestedKind: string,
    readonly active: { id: string; kind: string; status: OpStatus },
  ) {
    super(
      `project already has an active operation (${active.kind} ${active.id}, status ${active.status}); wait for it to finish and retry`,
    );
    this.name = "ActiveOperationError";
  }
}

/** The project does not exist. */
export class ProjectNotFoundError extends Error {
  constructor(readonly projectId: string) {
    super("not found");
    this.name = "ProjectNotFoundError";
  }
}

/** A create named an id that is taken. */
export class ProjectExistsError extends Error {
  constructor(readonly projectId: string) {
    super(`project "${projectId}" already exists`);
    this.name = "ProjectExistsError";
  }
}

/** A store read or write failed; `action` names what failed (e.g. `persist project`). */
export class StoreError extends Error {
  constructor(
    readonly action: string,
    options: { cause?: unknown } = {},
  ) {
    super(`failed to ${action}`, options);
    this.name = "StoreError";
  }
}

/** Publishing the first step's work failed (SPEC §4.0.2); the op was stored as `error`. */
export class EnqueueError extends Error {
  constructor(
    readonly reason: string,
    readonly requestedKind: string,
    readonly op: Operation,
    readonly project: Project | null,
    readonly projectRolledBack: boolean | undefined,
    readonly rollbackFailed: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(reason, options);
    this.name = "EnqueueError";
  }
}

import { ApiError, internalError, notFound } from "./api-error.js";
import {
  ActiveOperationError,
  EnqueueError,
  ProjectExistsError,
  ProjectNotFoundError,
  StoreError,
} from "../engine/index.js";

/** Map a domain error to the HTTP error it answers with — the one place that decides statuses. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof ProjectNotFoundError) return notFound();
  if (err instanceof ProjectExistsError) return new ApiError(409, "PROJECT_EXISTS", err.message);
  if (err instanceof StoreError) return internalError(err.message);
  if (err instanceof ActiveOperationError) {
    return new ApiError(409, "CONFLICT_ACTIVE_OPERATION", err.message, undefined, {
      accepted: false,
      reason: err.message,
      project_id: err.projectId,
      requested_kind: err.requestedKind,
      active_op: err.active,
      next_step: "wait for the active operation to reach done or error, then retry",
    });
  }
  if (err instanceof EnqueueError) {
    const nextStep =
      err.requestedKind === "create"
        ? err.rollbackFailed
          ? "request may have retained project state; inspect metadata and retry"
          : "retry create request"
        : `inspect /api/ops/${err.op.id} for failure details, then retry`;
    return new ApiError(500, "ENQUEUE_FAILED", err.reason, undefined, {
      accepted: false,
      reason: err.reason,
      requested_kind: err.requestedKind,
      next_step: nextStep,
      project_id: err.op.project_id,
      op_id: err.op.id,
      ...(err.projectRolledBack !== undefined ? { project_rolled_back: err.projectRolledBack } : {}),
    });
  }
  return null;
}

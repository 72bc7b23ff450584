// Turning API failures into the sentences the UI shows.

import { ApiError } from "../api.js";
import { short12 } from "./format.js";

interface ConflictBody {
  reason?: string;
  active_op?: { id?: string; kind?: string; status?: string };
}

/** SPEC §13: a 409 shows "Another operation is already active for this app (…)". */
export function conflictMessage(body: unknown): string {
  const b = (body ?? {}) as ConflictBody;
  const a = b.active_op;
  const detail = a?.kind ? `${a.kind} ${short12(a.id)}, ${a.status ?? "active"}` : "wait for it to finish";
  return `Another operation is already active for this app (${detail}).`;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.code === "CONFLICT_ACTIVE_OPERATION";
}

/** One sentence for any thrown value. */
export function describeError(err: unknown): string {
  if (isConflict(err)) return conflictMessage((err as ApiError).body);
  if (err instanceof ApiError) {
    const details = (err.body as { error?: { details?: { errors?: { path?: string; message?: string }[] } } })?.error
      ?.details?.errors;
    if (err.code === "VALIDATION_FAILED" && Array.isArray(details) && details.length > 1) {
      return `${err.message} (and ${details.length - 1} more)`;
    }
    return err.message;
  }
  if (err instanceof DOMException && err.name === "AbortError") return "The request was cancelled.";
  if (err instanceof TypeError) return `Network error: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Validation failures as `path: message` lines (SPEC §2.3 `details.errors`). */
export function validationErrors(err: unknown): string[] {
  if (!(err instanceof ApiError) || err.code !== "VALIDATION_FAILED") return [];
  const list = (err.body as { error?: { details?: { errors?: { path?: string; message?: string }[] } } })?.error
    ?.details?.errors;
  return Array.isArray(list) ? list.map((e) => (e.path ? `${e.path}: ${e.message}` : String(e.message))) : [];
}

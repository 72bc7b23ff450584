import type { Operation, OpEvent, OpStatus } from "../store/index.js";
import { STEP_ORDER } from "./steps.js";
import { nowIso, ZERO_TIME } from "../../workers/shared/ids.js";

export type EventBody = Omit<OpEvent, "sequence" | "event_id">;

/** The user-facing hint for an error text (SPEC §5.2; first match wins). */
export function hintFor(error: string): string {
  const e = error.toLowerCase();
  if (e.includes("no build image found")) return "Run a build first so there is an image ready to deploy.";
  if (e.includes("from_env") || e.includes("to_env"))
    return "Verify source and target environments exist and are different.";
  if (e.includes("timeout")) return "The operation timed out. Retry and inspect worker step details.";
  if (e.includes("not found")) return "Refresh project data. The target project or artifact may no longer exist.";
  return "Inspect artifacts and step details, then retry when inputs are corrected.";
}

/** floor(100 × steps ended without error / total); ≥ 1 when running or error; 100 when done (SPEC §5.2). */
export function progressPercent(op: Pick<Operation, "kind" | "status" | "steps">): number | undefined {
  if (op.status === "queued") return undefined;
  if (op.status === "done") return 100;
  const total = STEP_ORDER[op.kind].length;
  const ok = op.steps.filter((s) => s.ended_at !== ZERO_TIME && !s.error).length;
  return Math.max(1, Math.floor((100 * ok) / total));
}

/** The fields every event of an op carries; `status` may be overridden for step events of the last step. */
export function basePayload(op: Operation, status: OpStatus = op.status): EventBody {
  const body: EventBody = {
    op_id: op.id,
    project_id: op.project_id,
    kind: op.kind,
    status,
    at: nowIso(),
    total_steps: STEP_ORDER[op.kind].length,
    delivery: op.delivery ?? {},
  };
  const pct = progressPercent({ ...op, status });
  if (pct !== undefined && pct > 0) body.progress_percent = pct;
  return body;
}

/** At most 8 artifacts travel in an event. */
export function eventArtifacts(list?: string[]): string[] | undefined {
  return list && list.length > 0 ? list.slice(0, 8) : undefined;
}

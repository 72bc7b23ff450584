// Audit view: query strings and export links (SPEC §12.4).

export const AUDIT_ACTIONS = [
  "project.create",
  "project.update",
  "project.delete",
  "project.register",
  "delivery.deploy",
  "delivery.promotion",
  "delivery.release",
  "delivery.rollback",
  "webhook.source",
  "session.create",
  "session.delete",
  "op.completed",
  "op.failed",
] as const;

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  projectId: string;
  action: string;
}

/** `project_id=&action=&limit=&cursor=` with empty filters left out. */
export function auditQuery(f: AuditFilters, cursor?: string, limit = AUDIT_PAGE_SIZE): string {
  const q = new URLSearchParams();
  if (f.projectId.trim()) q.set("project_id", f.projectId.trim());
  if (f.action.trim()) q.set("action", f.action.trim());
  q.set("limit", String(limit));
  if (cursor) q.set("cursor", cursor);
  return q.toString();
}

export function auditExportUrl(format: "jsonl" | "csv", f: AuditFilters): string {
  const q = new URLSearchParams({ format });
  if (f.projectId.trim()) q.set("project_id", f.projectId.trim());
  if (f.action.trim()) q.set("action", f.action.trim());
  return `/api/audit/export?${q}`;
}

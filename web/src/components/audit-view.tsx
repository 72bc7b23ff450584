import { useState } from "preact/hooks";
import * as api from "../api.js";
import { usePagedList } from "../hooks/use-paged-list.js";
import { AUDIT_ACTIONS, auditExportUrl, auditQuery, type AuditFilters } from "../lib/audit.js";
import { formatTime, short12 } from "../lib/format.js";
import type { AuditRecord, Project } from "../types.js";
import { Alert } from "./alert.js";
import { Badge } from "./badge.js";
import { LoadOlder } from "./load-older.js";
import { SelectField } from "./select-field.js";

const OUTCOME_TONE: Record<string, "ok" | "busy" | "bad" | "idle"> = {
  accepted: "ok",
  ok: "ok",
  done: "ok",
  ignored: "idle",
  rejected: "busy",
  denied: "bad",
  error: "bad",
};

/** `GET /api/audit` with project/action filters, "Load older" by cursor, and export links (SPEC §12.4). */
export function AuditView({ projects }: { projects: Project[] }) {
  const [filters, setFilters] = useState<AuditFilters>({ projectId: "", action: "" });
  const [tick, setTick] = useState(0);
  const paged = usePagedList<AuditRecord>({
    fetchPage: (cursor) => api.listAudit(auditQuery(filters, cursor)),
    key: (r) => r.id,
    deps: [filters, tick],
  });
  const { list, error, loading } = paged;

  const names = new Map(projects.map((p) => [p.id, p.spec.name || p.id]));
  return (
    <section class="audit" aria-labelledby="audit-h">
      <div class="section-head">
        <h1 id="audit-h">Audit</h1>
        <span class="spacer" />
        <a class="btn btn-small" href={auditExportUrl("jsonl", filters)} download>
          Export JSONL
        </a>
        <a class="btn btn-small" href={auditExportUrl("csv", filters)} download>
          Export CSV
        </a>
      </div>
      <form class="list-controls" onSubmit={(e) => e.preventDefault()} aria-label="Audit filters">
        <SelectField
          label="App"
          name="audit-project"
          value={filters.projectId}
          placeholder="All apps"
          options={projects.map((p) => ({ value: p.id, label: `${p.spec.name || p.id} (${short12(p.id)})` }))}
          onChange={(projectId) => setFilters({ ...filters, projectId })}
        />
        <SelectField
          label="Action"
          name="audit-action"
          value={filters.action}
          placeholder="All actions"
          options={AUDIT_ACTIONS}
          onChange={(action) => setFilters({ ...filters, action })}
        />
        <span class="spacer" />
        <button type="button" class="btn btn-small" onClick={() => setTick((t) => t + 1)} disabled={loading}>
          Refresh
        </button>
      </form>
      <Alert message={error} />
      <div class="table-wrap card">
        <table class="table audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Actor</th>
              <th scope="col">App</th>
              <th scope="col">Operation</th>
              <th scope="col">Request</th>
              <th scope="col">Remote</th>
            </tr>
          </thead>
          <tbody>
            {list?.items.map((r) => (
              <tr key={r.id} data-audit-id={r.id} data-action={r.action}>
                <td class="nowrap">{formatTime(r.at)}</td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>
                  <Badge
                    tone={OUTCOME_TONE[r.outcome] ?? "idle"}
                    label={`${r.outcome}${r.status_code ? ` ${r.status_code}` : ""}`}
                  />
                </td>
                <td>
                  <code class="small">{r.actor}</code>
                </td>
                <td title={r.project_id}>{r.project_id ? (names.get(r.project_id) ?? short12(r.project_id)) : "—"}</td>
                <td>
                  <code class="small" title={r.op_id}>
                    {r.op_id ? short12(r.op_id) : "—"}
                  </code>
                </td>
                <td>
                  <code class="small" title={r.request_id}>
                    {short12(r.request_id) || "—"}
                  </code>
                </td>
                <td class="small">{r.remote_addr || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list && list.items.length === 0 ? <p class="muted pad">No audit records match.</p> : null}
        {!list && !error ? <p class="muted pad">Loading…</p> : null}
      </div>
      <LoadOlder paged={paged} />
    </section>
  );
}

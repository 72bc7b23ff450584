import { useLayoutEffect, useRef, useState } from "preact/hooks";
import * as api from "../api.js";
import { usePagedList } from "../hooks/use-paged-list.js";
import { formatDuration, formatTime, isZeroTime, short12, timeAgo } from "../lib/format.js";
import type { OpStreamSnapshot } from "../lib/op-stream.js";
import { buildTimeline, kindLabel, type LogLine, type TimelineRow } from "../lib/timeline.js";
import type { HistoryItem, Operation } from "../types.js";
import { Alert } from "./alert.js";
import { StatusBadge } from "./badge.js";
import { LoadOlder } from "./load-older.js";
import { ProgressBar } from "./progress-bar.js";

interface ActivityTabProps {
  projectId: string;
  snap: OpStreamSnapshot;
  refreshKey: number;
  now: number;
  onView: (opId: string) => void;
  onOpenArtifact: (path: string) => void;
}

export function ActivityTab(props: ActivityTabProps) {
  return (
    <div class="activity">
      <LiveActivity snap={props.snap} onOpenArtifact={props.onOpenArtifact} />
      <History
        projectId={props.projectId}
        refreshKey={props.refreshKey}
        current={props.snap.opId}
        now={props.now}
        onView={props.onView}
      />
    </div>
  );
}

const TRANSPORT_LABEL: Record<string, string> = {
  connecting: "connecting…",
  live: "live",
  polling: "polling",
  closed: "finished",
};

const STATE_ICON: Record<string, string> = { pending: "○", running: "◌", done: "✓", error: "×" };

function LiveActivity({ snap, onOpenArtifact }: { snap: OpStreamSnapshot; onOpenArtifact: (p: string) => void }) {
  if (!snap.opId) {
    return (
      <section class="card live-activity" aria-labelledby="live-h">
        <h2 id="live-h">Live activity</h2>
        <p class="muted">No operation to show yet.</p>
      </section>
    );
  }
  const t = buildTimeline(snap.op, snap.stream);
  const op = snap.op;
  return (
    <section
      class="card live-activity"
      aria-labelledby="live-h"
      data-op-id={snap.opId}
      data-status={t.status ?? ""}
      data-transport={snap.transport}
    >
      <div class="card-head">
        <h2 id="live-h">
          {kindLabel(t.kind)} <code class="muted small">{short12(snap.opId)}</code>
        </h2>
        <StatusBadge status={t.status} />
        <span class={`transport transport-${snap.transport}`} title="Event stream">
          {TRANSPORT_LABEL[snap.transport]}
        </span>
        {op ? (
          <span class="muted small" title={formatTime(op.requested)}>
            requested {formatTime(op.requested)}
          </span>
        ) : null}
      </div>
      <ProgressBar percent={t.progress} failed={t.status === "error"} />
      <p class="muted small progress-label">
        <span data-progress>{t.progress}%</span>
        {op?.delivery?.stage ? ` · ${deliveryText(op.delivery)}` : ""}
      </p>

      <ol class="timeline" aria-label="Steps">
        {t.rows.map((r) => (
          <StepRow key={r.index} row={r} onOpenArtifact={onOpenArtifact} />
        ))}
      </ol>

      {t.status === "error" ? (
        <div class="error-panel" role="alert">
          <strong>Operation failed</strong>
          <p class="mono">{t.error ?? "unknown error"}</p>
          {t.hint ? <p class="hint">Hint: {t.hint}</p> : null}
        </div>
      ) : null}
      {snap.fetchError ? <p class="muted small">Could not refresh the operation: {snap.fetchError}</p> : null}

      <BuildLog lines={snap.stream.log} />

      <details class="raw">
        <summary>Event stream ({snap.stream.events.length} events)</summary>
        <ol class="event-list" aria-label="Events">
          {snap.stream.snapshotSequence ? (
            <li class="muted">… snapshot at event {snap.stream.snapshotSequence}</li>
          ) : null}
          {snap.stream.events.map((e) => (
            <li key={e.seq} data-seq={e.seq}>
              <code>#{e.seq}</code> <strong>{e.name}</strong> {e.worker ? <code>{e.worker}</code> : null} {e.message}
            </li>
          ))}
        </ol>
      </details>
      <details class="raw">
        <summary>Raw operation JSON</summary>
        <pre class="code">{op ? JSON.stringify(op, null, 2) : "loading…"}</pre>
      </details>
    </section>
  );
}

function deliveryText(d: NonNullable<Operation["delivery"]>): string {
  if (d.from_env && d.to_env && d.from_env !== d.to_env) return `${d.stage} ${d.from_env} → ${d.to_env}`;
  return `${d.stage} ${d.environment ?? d.to_env ?? ""}`.trim();
}

function StepRow({ row: r, onOpenArtifact }: { row: TimelineRow; onOpenArtifact: (p: string) => void }) {
  const [open, setOpen] = useState(false);
  const listId = `step-${r.index}-artifacts`;
  // Two fixed lines per row (label, message): rows never change height while events stream in; the artifact
  // list only opens on request.
  return (
    <li class={`step step-${r.state}`} data-worker={r.worker} data-state={r.state} data-index={r.index}>
      <span class="step-icon" aria-hidden="true">
        {STATE_ICON[r.state]}
      </span>
      <div class="step-body">
        <div class="step-top">
          <span class="step-label">{r.label}</span>
          <code class="muted small step-worker">{r.worker}</code>
          <span class="sr-only">({r.state})</span>
          <span class="spacer" />
          {r.artifacts.length > 0 ? (
            <button
              type="button"
              class="link-btn small"
              aria-expanded={open}
              aria-controls={listId}
              onClick={() => setOpen(!open)}
            >
              {r.artifacts.length} {r.artifacts.length === 1 ? "artifact" : "artifacts"}
            </button>
          ) : null}
          <span class="step-duration muted small">{formatDuration(r.durationMs)}</span>
        </div>
        <p class={`step-msg${r.error ? " bad" : ""}`} title={r.error ?? r.message}>
          {r.error ?? r.message ?? (r.state === "pending" ? "waiting" : " ")}
        </p>
        {open ? (
          <ul class="step-artifacts" id={listId}>
            {r.artifacts.map((a) => (
              <li key={a}>
                <button type="button" class="link-btn mono small" onClick={() => onOpenArtifact(a)}>
                  {a}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </li>
  );
}

/** The live build log from `step.progress` (BuildKit vertices, retry notices): fixed height, follows the tail. */
function BuildLog({ lines }: { lines: LogLine[] }) {
  const ref = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  return (
    <section class="build-log" aria-labelledby="log-h">
      <h3 id="log-h">
        Build log <span class="muted small">({lines.length} lines from step.progress)</span>
      </h3>
      <ol
        ref={ref}
        class="log"
        tabIndex={0}
        aria-label="Build log"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? <li class="muted">No build progress events for this operation.</li> : null}
        {lines.map((l) => (
          <li key={l.seq} class={l.error ? "bad" : ""} data-seq={l.seq}>
            <span class="log-mark">{l.error ? "ERROR" : l.cached ? "CACHED" : l.completed ? "DONE" : "START"}</span>
            <span class="log-msg">{l.error ? `${l.message}: ${l.error}` : l.message}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function History({
  projectId,
  refreshKey,
  current,
  now,
  onView,
}: {
  projectId: string;
  refreshKey: number;
  current: string;
  now: number;
  onView: (id: string) => void;
}) {
  // Keep pages already loaded: a refreshed first page replaces its own items only.
  const paged = usePagedList<HistoryItem>({
    fetchPage: (cursor) => api.listOps(projectId, cursor),
    key: (i) => i.id,
    deps: [projectId, refreshKey, current],
    keepOlder: true,
  });
  const { list, error } = paged;

  return (
    <section class="card history" aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <Alert message={error} />
      {list === null && !error ? <p class="muted">Loading…</p> : null}
      {list && list.items.length === 0 ? <p class="muted">No operations yet.</p> : null}
      {list && list.items.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Operation</th>
              <th scope="col">Status</th>
              <th scope="col">Requested</th>
              <th scope="col">Summary</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((h) => (
              <tr key={h.id} data-op-id={h.id} class={h.id === current ? "current" : ""}>
                <td>
                  <strong>{kindLabel(h.kind)}</strong> <code class="muted small">{short12(h.id)}</code>
                </td>
                <td>
                  <StatusBadge status={h.status} />
                </td>
                <td title={formatTime(h.requested)}>{timeAgo(h.requested, now)}</td>
                <td class="summary-cell" title={h.error ?? h.summary_message}>
                  {h.error ?? h.summary_message}
                  {!isZeroTime(h.finished) ? null : <span class="muted"> (in progress)</span>}
                </td>
                <td>
                  {h.id === current ? (
                    <span class="muted small">shown</span>
                  ) : (
                    <button type="button" class="link-btn" onClick={() => onView(h.id)}>
                      View
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LoadOlder paged={paged} small />
    </section>
  );
}

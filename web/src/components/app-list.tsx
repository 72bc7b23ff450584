import type { Ref } from "preact";
import { PHASE_FILTERS, SORTS, visibleProjects, type ListQuery } from "../lib/apps.js";
import { formatTime, short12, timeAgo } from "../lib/format.js";
import type { Project } from "../types.js";
import { Alert } from "./alert.js";
import { Logo, PhaseBadge } from "./badge.js";
import { SelectField } from "./select-field.js";

interface AppListProps {
  projects: Project[] | null;
  loadError: string | null;
  query: ListQuery;
  onQuery: (q: ListQuery) => void;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onCreate: () => void;
  now: number;
  searchRef: Ref<HTMLInputElement>;
  compact: boolean;
}

export function AppList(props: AppListProps) {
  const { projects, query, onQuery } = props;
  const visible = projects ? visibleProjects(projects, query) : [];
  return (
    <section class={`app-list${props.compact ? " app-list-compact" : ""}`} aria-labelledby="apps-heading">
      <div class="section-head">
        <h1 id="apps-heading">Apps</h1>
        <button type="button" class="btn btn-primary" onClick={props.onCreate}>
          Create app
        </button>
      </div>
      <search class="list-controls">
        <label class="field field-grow">
          <span class="sr-only">Search apps</span>
          <input
            ref={props.searchRef}
            id="app-search"
            type="search"
            placeholder="Search apps  ( / )"
            value={query.query}
            onInput={(e) => onQuery({ ...query, query: e.currentTarget.value })}
            autoComplete="off"
          />
        </label>
        <SelectField
          label="Phase"
          hideLabel
          ariaLabel="Filter by phase"
          value={query.phase}
          options={PHASE_FILTERS}
          onChange={(phase) => onQuery({ ...query, phase })}
        />
        <SelectField
          label="Sort"
          hideLabel
          ariaLabel="Sort apps"
          value={query.sort}
          options={SORTS}
          onChange={(sort) => onQuery({ ...query, sort })}
        />
      </search>
      <Alert message={props.loadError} />
      {projects === null ? (
        <p class="muted loading">Loading apps…</p>
      ) : projects.length === 0 ? (
        <div class="empty">
          <div class="empty-icon" aria-hidden="true">
            <Logo />
          </div>
          <h2>No apps yet</h2>
          <p class="muted">Create an app: Slipway registers it, bootstraps its repos, builds it and deploys dev.</p>
          <button type="button" class="btn btn-primary" onClick={props.onCreate}>
            Create your first app
          </button>
        </div>
      ) : visible.length === 0 ? (
        <p class="muted empty-filter">No apps match the search and filter.</p>
      ) : (
        <ul class="apps" aria-label="App list">
          {visible.map((p) => (
            <AppItem
              key={p.id}
              project={p}
              now={props.now}
              selected={p.id === props.selectedId}
              onSelect={props.onSelect}
            />
          ))}
        </ul>
      )}
      {projects && projects.length > 0 ? (
        <p class="muted list-count" aria-live="polite">
          Showing {visible.length} of {projects.length}
        </p>
      ) : null}
    </section>
  );
}

function AppItem({
  project: p,
  now,
  selected,
  onSelect,
}: {
  project: Project;
  now: number;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const envs = Object.keys(p.spec.environments);
  const updated = p.status.updated_at || p.updated_at;
  return (
    <li>
      <button
        type="button"
        class={`app-item${selected ? " selected" : ""}`}
        aria-current={selected ? "true" : undefined}
        data-app-id={p.id}
        onClick={() => onSelect(p.id)}
      >
        <span class="app-item-top">
          <span class="app-name">{p.spec.name || p.id}</span>
          <PhaseBadge phase={p.status.phase} title={p.status.last_op_kind && `last op: ${p.status.last_op_kind}`} />
        </span>
        <span class="app-meta">
          <span class="chip">{p.spec.runtime}</span>
          <span title={envs.join(", ")}>
            {envs.length} {envs.length === 1 ? "env" : "envs"}
          </span>
          <span title={formatTime(updated)}>updated {timeAgo(updated, now)}</span>
          <code title={p.id}>{short12(p.id)}</code>
        </span>
        <span class={`app-message${p.status.phase === "Error" ? " bad" : ""}`}>{p.status.message ?? ""}</span>
      </button>
    </li>
  );
}

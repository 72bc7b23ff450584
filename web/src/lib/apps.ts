// App inventory: search, phase filter and sort (SPEC §13 "App list").

import type { Project } from "../types.js";

export type PhaseFilter = "all" | "ready" | "progress" | "attention";
export type SortKey = "updated" | "name" | "oldest";

export const PHASE_FILTERS: { value: PhaseFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "ready", label: "Ready" },
  { value: "progress", label: "In progress" },
  { value: "attention", label: "Needs attention" },
];

export const SORTS: { value: SortKey; label: string }[] = [
  { value: "updated", label: "Recently updated" },
  { value: "name", label: "Name A-Z" },
  { value: "oldest", label: "Oldest first" },
];

export type Tone = "ok" | "busy" | "bad" | "idle";

export function phaseTone(phase: string | undefined): Tone {
  switch (phase) {
    case "Ready":
      return "ok";
    case "Reconciling":
    case "Deleting":
      return "busy";
    case "Error":
      return "bad";
    default:
      return "idle";
  }
}

export function statusTone(status: string | undefined): Tone {
  switch (status) {
    case "done":
      return "ok";
    case "queued":
    case "running":
      return "busy";
    case "error":
      return "bad";
    default:
      return "idle";
  }
}

export function matchesPhase(p: Project, filter: PhaseFilter): boolean {
  const phase = p.status.phase;
  switch (filter) {
    case "all":
      return true;
    case "ready":
      return phase === "Ready";
    case "progress":
      return phase === "Reconciling" || phase === "Deleting";
    case "attention":
      return phase === "Error";
  }
}

/** Every term of the query must appear in one of: name, id, runtime, phase, message, last op kind, env names. */
export function matchesSearch(p: Project, query: string): boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const fields = [
    p.spec.name,
    p.id,
    p.spec.runtime,
    p.status.phase,
    p.status.message,
    p.status.last_op_kind,
    ...Object.keys(p.spec.environments),
  ]
    .filter((f): f is string => typeof f === "string" && f !== "")
    .map((f) => f.toLowerCase());
  return terms.every((t) => fields.some((f) => f.includes(t)));
}

const updatedAt = (p: Project) => Date.parse(p.status.updated_at || p.updated_at) || 0;
const createdAt = (p: Project) => Date.parse(p.created_at) || 0;
const nameOf = (p: Project) => (p.spec.name || p.id).toLowerCase();

export function sortProjects(list: Project[], sort: SortKey): Project[] {
  const out = [...list];
  const byName = (a: Project, b: Project) => nameOf(a).localeCompare(nameOf(b)) || a.id.localeCompare(b.id);
  switch (sort) {
    case "updated":
      out.sort((a, b) => updatedAt(b) - updatedAt(a) || byName(a, b));
      break;
    case "name":
      out.sort(byName);
      break;
    case "oldest":
      out.sort((a, b) => createdAt(a) - createdAt(b) || byName(a, b));
      break;
  }
  return out;
}

export interface ListQuery {
  query: string;
  phase: PhaseFilter;
  sort: SortKey;
}

export function visibleProjects(projects: Project[], q: ListQuery): Project[] {
  return sortProjects(
    projects.filter((p) => matchesPhase(p, q.phase) && matchesSearch(p, q.query)),
    q.sort,
  );
}

export function projectCounts(projects: Project[]): { total: number; ready: number; busy: number; failing: number } {
  let ready = 0;
  let busy = 0;
  let failing = 0;
  for (const p of projects) {
    const t = phaseTone(p.status.phase);
    if (t === "ok") ready++;
    else if (t === "busy") busy++;
    else if (t === "bad") failing++;
  }
  return { total: projects.length, ready, busy, failing };
}

/** An op of this project is queued or running (from what the project record says). */
export function projectBusy(p: Project | undefined): boolean {
  return p?.status.phase === "Reconciling" || p?.status.phase === "Deleting";
}

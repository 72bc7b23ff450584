import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  describeSystem,
  fetchProjects,
  fetchSystem,
  UnauthorizedError,
  type Project,
  type SystemInfo,
  type SystemSummary,
} from "./api.js";

const REFRESH_MS = 3000;
const REQUEST_TIMEOUT_MS = 10_000;

interface State {
  projects: Project[] | null;
  system: SystemInfo | null;
  error: string | null;
  unauthorized: boolean;
  lastOk: number | null;
}

function errorText(reason: unknown): string {
  if (reason instanceof DOMException && reason.name === "TimeoutError") return "the request timed out";
  if (reason instanceof Error) return reason.message;
  return String(reason);
}

/** Polls the API every 3 s (paused while the tab is hidden) and returns the latest state plus a manual refresh. */
function useDashboardData(): [State, () => void] {
  const [state, setState] = useState<State>({
    projects: null,
    system: null,
    error: null,
    unauthorized: false,
    lastOk: null,
  });
  const refreshRef = useRef<() => void>(() => {});

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current: AbortController | null = null;

    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (document.hidden) schedule();
        else void refresh();
      }, REFRESH_MS);
    };

    const refresh = async () => {
      clearTimeout(timer);
      current?.abort();
      const ctrl = new AbortController();
      current = ctrl;
      const deadline = setTimeout(() => ctrl.abort(new DOMException("timeout", "TimeoutError")), REQUEST_TIMEOUT_MS);
      const [sys, projects] = await Promise.allSettled([fetchSystem(ctrl.signal), fetchProjects(ctrl.signal)]);
      clearTimeout(deadline);
      // Superseded by a newer refresh (or unmounted): that one owns the state and the schedule.
      if (stopped || current !== ctrl) return;
      current = null;

      const unauthorized = [sys, projects].some(
        (r) => r.status === "rejected" && r.reason instanceof UnauthorizedError,
      );
      setState((prev) => {
        if (unauthorized) return { ...prev, unauthorized: true, error: null };
        const next: State = { ...prev, unauthorized: false };
        if (sys.status === "fulfilled") next.system = sys.value;
        if (projects.status === "fulfilled") {
          next.projects = projects.value;
          next.error = null;
          next.lastOk = Date.now();
        } else {
          next.error = `Couldn't load projects: ${errorText(projects.reason)}`;
        }
        return next;
      });
      schedule();
    };

    const onVisible = () => {
      if (!document.hidden) void refresh();
    };
    refreshRef.current = () => void refresh();
    document.addEventListener("visibilitychange", onVisible);
    void refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
      current?.abort();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);

  return [state, () => refreshRef.current()];
}

/** Re-render every second so relative times stay honest between polls. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

export function timeAgo(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(t)) return "—";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

function absoluteTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

function phaseTone(phase: string | undefined): "ok" | "busy" | "bad" | "idle" {
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

function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" />
      <path d="M8 21h16l-3 4H11z" />
      <path d="M15 7v12h-6zM17 10v9h5z" />
    </svg>
  );
}

function SystemFacts({ summary }: { summary: SystemSummary }) {
  const facts: [string, string | undefined][] = [
    ["Version", summary.version],
    ["HTTP", summary.httpAddr],
    ["NATS", summary.natsMode],
    ["Store", summary.storeMode],
    ["Builder", summary.builderMode],
    ["Auth", summary.auth],
  ];
  return (
    <dl class="facts">
      {facts.map(([label, value]) => (
        <div class="fact" key={label}>
          <dt>{label}</dt>
          <dd>{value ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

function PhaseBadge({ project }: { project: Project }) {
  const phase = project.status?.phase ?? "Unknown";
  const kind = project.status?.last_op_kind;
  const op = project.status?.last_op_id;
  const title = kind ? `last op: ${kind}${op ? ` (${op})` : ""}` : undefined;
  return (
    <span class={`badge badge-${phaseTone(phase)}`} title={title}>
      <span class="badge-dot" aria-hidden="true" />
      {phase}
    </span>
  );
}

function ProjectRow({ project, now }: { project: Project; now: number }) {
  const envs = Object.keys(project.spec?.environments ?? {});
  const updated = project.status?.updated_at || project.updated_at;
  const message = project.status?.message;
  const tone = phaseTone(project.status?.phase);
  return (
    <tr>
      <td class="name">{project.spec?.name ?? project.id}</td>
      <td>
        <PhaseBadge project={project} />
      </td>
      <td>
        <span class="runtime">{project.spec?.runtime ?? "—"}</span>
      </td>
      <td class="num" title={envs.length ? envs.join(", ") : undefined}>
        {envs.length}
      </td>
      <td class="when" title={absoluteTime(updated)}>
        {timeAgo(updated, now)}
      </td>
      <td>
        <code class="id" title={project.id}>
          {project.id.slice(0, 12)}
        </code>
      </td>
      <td class={`message${tone === "bad" ? " message-bad" : ""}`} title={message}>
        {message ?? ""}
      </td>
    </tr>
  );
}

function ProjectTable({ projects, now }: { projects: Project[]; now: number }) {
  const sorted = [...projects].sort((a, b) => (a.spec?.name ?? a.id).localeCompare(b.spec?.name ?? b.id));
  return (
    <div class="table-wrap">
      <table class="projects">
        <thead>
          <tr>
            <th>Name</th>
            <th>Phase</th>
            <th>Runtime</th>
            <th class="num">Envs</th>
            <th>Updated</th>
            <th>ID</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((p) => (
            <ProjectRow key={p.id} project={p} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Panel({ title, children, tone }: { title: string; children?: ComponentChildren; tone?: "warn" }) {
  return (
    <section class={`panel${tone ? ` panel-${tone}` : ""}`}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function LiveIndicator({ state, now, onRefresh }: { state: State; now: number; onRefresh: () => void }) {
  const ok = !state.error && !state.unauthorized && state.lastOk !== null;
  const label = state.unauthorized
    ? "Waiting for sign-in"
    : state.error
      ? "Connection problem"
      : state.lastOk === null
        ? "Connecting…"
        : `Live · refreshed ${timeAgo(new Date(state.lastOk).toISOString(), now)}`;
  return (
    <div class="live">
      <span class={`live-dot${ok ? " live-dot-ok" : state.error ? " live-dot-bad" : ""}`} aria-hidden="true" />
      <span>{label}</span>
      <button type="button" class="btn" onClick={onRefresh}>
        Refresh
      </button>
    </div>
  );
}

export function App() {
  const [state, refresh] = useDashboardData();
  const now = useNow();
  const summary = describeSystem(state.system);

  let body;
  if (state.unauthorized) {
    body = (
      <Panel title="Sign in required" tone="warn">
        <p>The API answered 401 Unauthorized. Sign in to Slipway; this page keeps checking and will load on its own.</p>
      </Panel>
    );
  } else if (state.projects === null) {
    body = state.error ? null : <div class="loading">Loading projects…</div>;
  } else if (state.projects.length === 0) {
    body = (
      <section class="empty">
        <div class="empty-icon" aria-hidden="true">
          <Logo />
        </div>
        <h2>No apps yet</h2>
        <p>Create a project through the Slipway API and it will appear here.</p>
      </section>
    );
  } else {
    body = <ProjectTable projects={state.projects} now={now} />;
  }

  const count = state.projects?.length ?? 0;
  return (
    <div class="shell">
      <header class="topbar">
        <div class="brand">
          <Logo />
          <span>Slipway</span>
        </div>
        {state.system && !state.unauthorized ? <SystemFacts summary={summary} /> : null}
      </header>
      <main class="content">
        <div class="page-head">
          <div>
            <h1>Apps</h1>
            {state.projects && !state.unauthorized ? (
              <p class="sub">
                {count} {count === 1 ? "project" : "projects"}
              </p>
            ) : null}
          </div>
          <LiveIndicator state={state} now={now} onRefresh={refresh} />
        </div>
        {state.error && !state.unauthorized ? (
          <div class="alert" role="alert">
            {state.error}
          </div>
        ) : null}
        {body}
      </main>
    </div>
  );
}

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import * as api from "./api.js";
import { setUnauthorizedHandler } from "./api.js";
import { AppFormDialog } from "./components/app-form-dialog.js";
import { AppList } from "./components/app-list.js";
import { AuditView } from "./components/audit-view.js";
import { Logo } from "./components/badge.js";
import { LoginForm } from "./components/login-form.js";
import { anyModalOpen } from "./components/modal.js";
import { SystemStrip } from "./components/system-strip.js";
import { ToastProvider, useToast } from "./components/toasts.js";
import { Workspace } from "./components/workspace.js";
import { useNow } from "./hooks/use-now.js";
import { startedOps } from "./hooks/use-op-stream.js";
import { projectCounts, type ListQuery } from "./lib/apps.js";
import { describeError } from "./lib/errors.js";
import { shortcutFor } from "./lib/keys.js";
import { formatHash, parseHash, type Route } from "./lib/route.js";
import type { Project, SystemInfo } from "./types.js";

const REFRESH_MS = 3000;

export function App() {
  return (
    <ToastProvider>
      <Root />
    </ToastProvider>
  );
}

type AuthState = "checking" | "login" | "ready" | "unreachable";

/** Session gate (SPEC §4.13): only the token form while auth is on and there is no session. */
function Root() {
  const [auth, setAuth] = useState<AuthState>("checking");
  const [authEnabled, setAuthEnabled] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const check = useCallback(async () => {
    try {
      const s = await api.getSession();
      setAuthEnabled(s.auth_enabled);
      setAuth(s.auth_enabled && !s.authenticated ? "login" : "ready");
    } catch (err) {
      setProblem(describeError(err));
      setAuth("unreachable");
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => setAuth("login"));
    void check();
    return () => setUnauthorizedHandler(null);
  }, [check]);

  if (auth === "checking") return <p class="boot muted">Loading Slipway…</p>;
  if (auth === "unreachable")
    return (
      <main class="login">
        <div class="card login-card" role="alert">
          <h1>Slipway is not reachable</h1>
          <p class="muted">{problem}</p>
          <button type="button" class="btn btn-primary" onClick={() => void check()}>
            Try again
          </button>
        </div>
      </main>
    );
  if (auth === "login")
    return (
      <LoginForm
        onSignedIn={() => {
          setAuthEnabled(true);
          setAuth("ready");
        }}
      />
    );
  return (
    <Dashboard
      authEnabled={authEnabled}
      onSignOut={async () => {
        try {
          await api.signOut();
        } finally {
          setAuth("login");
        }
      }}
    />
  );
}

function useRoute(): [Route, (r: Route) => void] {
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const update = useCallback((r: Route) => {
    setRoute(r);
    const hash = formatHash(r);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }, []);
  return [route, update];
}

function Dashboard({ authEnabled, onSignOut }: { authEnabled: boolean; onSignOut: () => void }) {
  const toast = useToast();
  const now = useNow();
  const [route, setRoute] = useRoute();
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [system, setSystem] = useState<SystemInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [query, setQuery] = useState<ListQuery>({ query: "", phase: "all", sort: "updated" });
  const [creating, setCreating] = useState(false);
  const [artifactsTick, setArtifactsTick] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  /** Ids seen in a fetched list (so a later absence means "deleted"). */
  const seen = useRef(new Set<string>());
  /** Created here and not yet in a fetched list (a poll that started before the create must not drop them). */
  const created = useRef(new Map<string, Project>());

  const refresh = useCallback(async () => {
    const [sys, list] = await Promise.allSettled([api.getSystem(), api.listProjects()]);
    if (sys.status === "fulfilled") setSystem(sys.value);
    if (list.status === "fulfilled") {
      const fetched = list.value;
      for (const p of fetched) {
        seen.current.add(p.id);
        created.current.delete(p.id);
      }
      setProjects([...fetched, ...created.current.values()]);
      setLoadError(null);
    } else {
      setLoadError(`Couldn't load apps: ${describeError(list.reason)}`);
    }
  }, []);

  // Poll the app list every 3 s while the tab is visible.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const tick = async () => {
      if (!document.hidden) await refresh();
      if (!stopped) timer = setTimeout(tick, REFRESH_MS);
    };
    void tick();
    const onVisible = () => !document.hidden && void refresh();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh]);

  const selected = route.appId ? (projects?.find((p) => p.id === route.appId) ?? null) : null;
  const select = useCallback((id: string | null) => setRoute({ view: "apps", appId: id, tab: "delivery" }), [setRoute]);

  // A selected app that disappeared (deleted) closes its workspace.
  useEffect(() => {
    if (!projects) return;
    if (route.appId && !projects.some((p) => p.id === route.appId)) {
      if (seen.current.has(route.appId)) toast("info", "The app was deleted.");
      setRoute({ ...route, appId: null });
    }
  }, [projects]);

  const patchProject = useCallback((p: Project) => {
    setProjects((list) => {
      if (!list) return [p];
      const i = list.findIndex((x) => x.id === p.id);
      return i === -1 ? [...list, p] : list.map((x) => (x.id === p.id ? p : x));
    });
  }, []);

  // Shortcuts: / (search), r (refresh), a (artifacts), Escape (dialog, else workspace).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = shortcutFor(e, e.target as HTMLElement | null);
      if (!s) return;
      if (anyModalOpen()) return; // dialogs handle their own keys
      switch (s) {
        case "focus-search":
          e.preventDefault();
          setRoute({ view: "apps", appId: null, tab: "delivery" });
          requestAnimationFrame(() => searchRef.current?.focus());
          break;
        case "refresh":
          void refresh().then(() => toast("info", "Apps refreshed."));
          break;
        case "artifacts":
          if (route.appId) setArtifactsTick((t) => t + 1);
          else toast("info", "Select an app to load its outputs.");
          break;
        case "escape":
          if (route.appId) setRoute({ ...route, appId: null });
          break;
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [route, refresh, setRoute, toast]);

  const counts = projectCounts(projects ?? []);
  const hasWorkspace = route.view === "apps" && !!selected;

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <Logo />
          <span>Slipway</span>
          {system?.version ? <span class="brand-version">v{system.version}</span> : null}
        </div>
        <nav class="main-nav" aria-label="Main">
          <button
            type="button"
            class={`nav-btn${route.view === "apps" ? " active" : ""}`}
            aria-current={route.view === "apps" ? "page" : undefined}
            onClick={() => setRoute({ ...route, view: "apps" })}
          >
            Apps
          </button>
          <button
            type="button"
            class={`nav-btn${route.view === "audit" ? " active" : ""}`}
            aria-current={route.view === "audit" ? "page" : undefined}
            onClick={() => setRoute({ view: "audit", appId: null, tab: "delivery" })}
          >
            Audit
          </button>
        </nav>
        <span class="spacer" />
        <span class="muted small shortcuts-hint" aria-hidden="true">
          <kbd>/</kbd> search · <kbd>r</kbd> refresh · <kbd>a</kbd> outputs · <kbd>Esc</kbd> close
        </span>
        {authEnabled ? (
          <button type="button" class="btn btn-small" onClick={onSignOut}>
            Sign out
          </button>
        ) : null}
      </header>
      <SystemStrip system={system} counts={counts} />
      <main id="main" class={`layout${hasWorkspace ? " has-ws" : ""}`}>
        {route.view === "audit" ? (
          <AuditView projects={projects ?? []} />
        ) : (
          <>
            <AppList
              projects={projects}
              loadError={loadError}
              query={query}
              onQuery={setQuery}
              selectedId={route.appId}
              onSelect={select}
              onCreate={() => setCreating(true)}
              now={now}
              searchRef={searchRef}
              compact={hasWorkspace}
            />
            {selected ? (
              <Workspace
                key={selected.id}
                project={selected}
                now={now}
                tab={route.tab}
                onTab={(tab) => setRoute({ ...route, tab })}
                onClose={() => select(null)}
                onRefreshProjects={() => void refresh()}
                onProjectPatched={patchProject}
                artifactsTick={artifactsTick}
              />
            ) : null}
          </>
        )}
      </main>
      {creating ? (
        <AppFormDialog
          onClose={() => setCreating(false)}
          onAccepted={(res) => {
            setCreating(false);
            if (res.project) {
              startedOps.add(res.op.id);
              created.current.set(res.project.id, res.project);
              patchProject(res.project);
              setRoute({ view: "apps", appId: res.project.id, tab: "activity" });
            }
            toast("success", "App accepted: registering, building and deploying dev.");
          }}
        />
      ) : null}
    </div>
  );
}

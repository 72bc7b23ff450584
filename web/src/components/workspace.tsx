import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api.js";
import { startedOps, useOpStream } from "../hooks/use-op-stream.js";
import { projectBusy } from "../lib/apps.js";
import { describeError } from "../lib/errors.js";
import { timeAgo } from "../lib/format.js";
import { envCards, journeyView, type JourneyView } from "../lib/journey.js";
import type { OpStreamSnapshot } from "../lib/op-stream.js";
import type { TabId } from "../lib/route.js";
import { buildTimeline, isTerminal, kindLabel } from "../lib/timeline.js";
import type { Accepted, Project } from "../types.js";
import { ActivityTab } from "./activity-tab.js";
import { AppFormDialog } from "./app-form-dialog.js";
import { PhaseBadge, StatusBadge } from "./badge.js";
import { DeleteDialog } from "./delete-dialog.js";
import { DeliveryTab } from "./delivery-tab.js";
import { EnvironmentsTab } from "./environments-tab.js";
import { OutputsExplorer } from "./outputs-explorer.js";
import { ProgressBar } from "./progress-bar.js";
import { PromoteDialog } from "./promote-dialog.js";
import { RollbackDialog } from "./rollback-dialog.js";
import { Tabs, type TabDef } from "./tabs.js";
import { useToast } from "./toasts.js";

const TABS: TabDef<TabId>[] = [
  { id: "delivery", label: "Delivery" },
  { id: "environments", label: "Environments" },
  { id: "activity", label: "Activity" },
];

type Dialog =
  | { type: "edit" }
  | { type: "delete" }
  | { type: "promote"; from: string; to: string }
  | { type: "rollback"; env: string; releaseId: string };

interface WorkspaceProps {
  project: Project;
  now: number;
  onClose: () => void;
  /** Re-read the app list (after an op ends). */
  onRefreshProjects: () => void;
  /** A 202 returned a newer project record (or a delete changed its phase). */
  onProjectPatched: (p: Project) => void;
  /** Changes when the `a` shortcut asks for the artifacts to be reloaded. */
  artifactsTick: number;
  tab: TabId;
  onTab: (t: TabId) => void;
}

export function Workspace(props: WorkspaceProps) {
  const { project, now, onClose, onRefreshProjects, onProjectPatched, artifactsTick, tab, onTab: setTab } = props;
  const toast = useToast();
  const id = project.id;
  const [trackedOp, setTrackedOp] = useState(project.status.last_op_id);
  const [files, setFiles] = useState<string[] | null>(null);
  const [filesError, setFilesError] = useState<string | null>(null);
  const [filesLoading, setFilesLoading] = useState(false);
  const [view, setView] = useState<JourneyView>({ overview: null, journey: null, error: null });
  const [refreshKey, setRefreshKey] = useState(0);
  const [artifact, setArtifact] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const outputsRef = useRef<HTMLElement>(null);

  const loadFiles = useCallback(async () => {
    setFilesLoading(true);
    try {
      setFiles(await api.listArtifacts(id));
      setFilesError(null);
    } catch (err) {
      setFilesError(describeError(err));
    } finally {
      setFilesLoading(false);
    }
  }, [id]);

  // Journey panel: /overview for the cards and summary, /journey for milestones and the next step (SPEC §13).
  const loadJourney = useCallback(async () => {
    const [o, j] = await Promise.allSettled([api.getOverview(id), api.getJourney(id)]);
    setView(journeyView(o, j, describeError));
  }, [id]);

  const refreshAll = useCallback(() => {
    void loadFiles();
    void loadJourney();
    setRefreshKey((k) => k + 1);
  }, [loadFiles, loadJourney]);

  useEffect(() => {
    void loadFiles();
    void loadJourney();
  }, [loadFiles, loadJourney]);

  // Only a press of `a` while this workspace is open counts, not the counter's value when it mounts.
  const seenTick = useRef(artifactsTick);
  useEffect(() => {
    if (artifactsTick !== seenTick.current) {
      seenTick.current = artifactsTick;
      void loadFiles().then(() => toast("info", "Outputs reloaded."));
      outputsRef.current?.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }, [artifactsTick]);

  // A new op on this app (started here, by a git hook, or elsewhere) becomes the one the activity follows.
  const lastOpId = project.status.last_op_id;
  useEffect(() => {
    if (lastOpId) setTrackedOp(lastOpId);
  }, [lastOpId]);

  const onSettled = useCallback(
    (s: OpStreamSnapshot) => {
      const op = s.op!;
      if (op.status === "done") toast("success", `${kindLabel(op.kind)} finished.`);
      else toast("error", `${kindLabel(op.kind)} failed: ${op.error ?? "see the activity tab"}`);
      onRefreshProjects();
      if (op.kind !== "delete") refreshAll();
    },
    [toast, onRefreshProjects, refreshAll],
  );
  const snap = useOpStream(trackedOp, onSettled);

  const opActive = !!snap.op && !isTerminal(snap.op.status) && snap.opId === lastOpId;
  const busy = projectBusy(project) || opActive;

  /** After a 202: follow the new op and show the new project status at once. */
  const accepted = useCallback(
    (res: Accepted) => {
      startedOps.add(res.op.id);
      setTrackedOp(res.op.id);
      if (res.project) onProjectPatched(res.project);
      else
        onProjectPatched({
          ...project,
          status: {
            ...project.status,
            phase: res.op.kind === "delete" ? "Deleting" : "Reconciling",
            last_op_id: res.op.id,
            last_op_kind: res.op.kind,
          },
        });
    },
    [project, onProjectPatched],
  );

  const openArtifact = useCallback((path: string) => {
    setArtifact(path);
    requestAnimationFrame(() => outputsRef.current?.scrollIntoView({ block: "start", behavior: "smooth" }));
  }, []);

  const deployDev = async () => {
    try {
      accepted(await api.deployDev(id));
      toast("info", "Deployment to dev queued.");
    } catch (err) {
      toast("error", describeError(err));
    }
  };

  const cards = envCards(view.overview, view.journey);
  const hasImage = !!files?.includes("build/image.txt");

  return (
    <section class="workspace" aria-labelledby="ws-title" data-project-id={id}>
      <header class="ws-head">
        <div class="ws-title-row">
          <button type="button" class="btn btn-ghost back-btn" onClick={onClose} aria-label="Close workspace">
            ← Apps
          </button>
          <h1 id="ws-title">{project.spec.name || id}</h1>
          <PhaseBadge phase={project.status.phase} />
          <span class="chip">{project.spec.runtime}</span>
          <code class="muted" title={id}>
            {id}
          </code>
          <span class="ws-actions">
            <button type="button" class="btn" onClick={() => setDialog({ type: "edit" })}>
              Edit
            </button>
            <button type="button" class="btn btn-danger-ghost" onClick={() => setDialog({ type: "delete" })}>
              Delete
            </button>
          </span>
        </div>
        <p class={`ws-message${project.status.phase === "Error" ? " bad" : ""}`}>
          {project.status.message || " "}
          <span class="muted"> · updated {timeAgo(project.status.updated_at || project.updated_at, now)}</span>
        </p>
        <OpStrip snap={snap} fallbackKind={project.status.last_op_kind} onView={() => setTab("activity")} />
      </header>

      <Tabs label="Workspace sections" tabs={TABS} active={tab} onChange={setTab} idPrefix="ws">
        {tab === "delivery" ? (
          <DeliveryTab
            project={project}
            overview={view.overview}
            journey={view.journey}
            journeyError={view.error}
            onRetryJourney={loadJourney}
            busy={busy}
            hasImage={hasImage}
            filesLoaded={files !== null}
            onAccepted={accepted}
            onDeploy={deployDev}
            onPromote={(from, to) => setDialog({ type: "promote", from, to })}
            onInvestigate={() => setTab("activity")}
          />
        ) : tab === "environments" ? (
          <EnvironmentsTab
            projectId={id}
            cards={cards}
            files={files ?? []}
            refreshKey={refreshKey}
            now={now}
            onOpenArtifact={openArtifact}
            onUseForRollback={(env, releaseId) => setDialog({ type: "rollback", env, releaseId })}
          />
        ) : (
          <ActivityTab
            projectId={id}
            snap={snap}
            refreshKey={refreshKey}
            now={now}
            onView={(opId) => setTrackedOp(opId)}
            onOpenArtifact={openArtifact}
          />
        )}
      </Tabs>

      <OutputsExplorer
        sectionRef={outputsRef}
        projectId={id}
        files={files}
        loading={filesLoading}
        error={filesError}
        selected={artifact}
        onSelect={setArtifact}
        onReload={() => void loadFiles()}
      />

      {dialog?.type === "edit" ? (
        <AppFormDialog
          project={project}
          onClose={() => setDialog(null)}
          onAccepted={(res) => {
            accepted(res);
            toast("info", "Update queued.");
            setDialog(null);
          }}
        />
      ) : null}
      {dialog?.type === "delete" ? (
        <DeleteDialog
          project={project}
          onClose={() => setDialog(null)}
          onAccepted={(res) => {
            accepted(res);
            toast("info", `Deleting ${project.spec.name ?? id}…`);
            setDialog(null);
            setTab("activity");
          }}
        />
      ) : null}
      {dialog?.type === "promote" ? (
        <PromoteDialog
          project={project}
          from={dialog.from}
          to={dialog.to}
          onClose={() => setDialog(null)}
          onAccepted={(res, action) => {
            accepted(res);
            toast("info", `${action === "release" ? "Release" : "Promotion"} queued.`);
            setDialog(null);
          }}
        />
      ) : null}
      {dialog?.type === "rollback" ? (
        <RollbackDialog
          project={project}
          env={dialog.env}
          releaseId={dialog.releaseId}
          onClose={() => setDialog(null)}
          onAccepted={(res) => {
            accepted(res);
            toast("info", "Rollback queued.");
            setDialog(null);
          }}
        />
      ) : null}
      <span class="sr-only" aria-live="polite">
        {opActive ? `${kindLabel(snap.op?.kind)} in progress` : ""}
      </span>
    </section>
  );
}

/** One fixed-height line above the tabs: the followed op, its status and progress. */
function OpStrip({
  snap,
  fallbackKind,
  onView,
}: {
  snap: OpStreamSnapshot;
  fallbackKind?: string;
  onView: () => void;
}) {
  const t = buildTimeline(snap.op, snap.stream);
  if (!snap.opId) {
    return (
      <div class="op-strip">
        <span class="muted">No operations yet.</span>
      </div>
    );
  }
  return (
    <div class="op-strip" data-op-id={snap.opId} data-kind={t.kind ?? ""} data-status={t.status ?? ""}>
      <strong>{kindLabel(t.kind ?? fallbackKind)}</strong>
      {t.status ? <StatusBadge status={t.status} /> : <span class="muted">loading…</span>}
      <ProgressBar percent={t.progress} failed={t.status === "error"} small />
      <span class="num muted">{t.progress}%</span>
      <button type="button" class="link-btn" onClick={onView}>
        View activity
      </button>
    </div>
  );
}

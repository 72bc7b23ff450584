import { useState } from "preact/hooks";
import * as api from "../api.js";
import { transitionAction, transitionGuardrails } from "../lib/confirm.js";
import { deliveryEnvs } from "../lib/envs.js";
import { describeError } from "../lib/errors.js";
import { ACTIONABLE } from "../lib/journey.js";
import { describeWebhookReply, webhookBody, type WebhookOverrides } from "../lib/webhook.js";
import type { Accepted, Journey, NextAction, Overview, Project } from "../types.js";
import { SelectField } from "./select-field.js";
import { useToast } from "./toasts.js";

interface DeliveryTabProps {
  project: Project;
  overview: Overview | null;
  journey: Journey | null;
  /** Why `/journey` did not answer: the panel shows it with a retry instead of a next step. */
  journeyError: string | null;
  onRetryJourney: () => Promise<void>;
  busy: boolean;
  hasImage: boolean;
  filesLoaded: boolean;
  onAccepted: (res: Accepted) => void;
  onDeploy: () => Promise<void>;
  onPromote: (from: string, to: string) => void;
  onInvestigate: () => void;
}

export function DeliveryTab(props: DeliveryTabProps) {
  const { project, journey } = props;
  const next = journey?.next_action ?? null;
  const envs = deliveryEnvs(project.spec);
  const [pair, setPair] = useState<{ from: string; to: string } | null>(null);
  // Until the user picks, the selects follow the journey's suggested transition (else dev → the next env).
  const from = pair?.from ?? next?.from_env ?? envs[0] ?? "dev";
  const to = pair?.to ?? next?.to_env ?? envs[1] ?? "";

  const runNext = (a: NextAction) => {
    switch (a.kind) {
      case "build":
        document.getElementById("build-latest")?.click();
        break;
      case "deploy_dev":
        void props.onDeploy();
        break;
      case "promote":
      case "release":
        if (a.from_env && a.to_env) props.onPromote(a.from_env, a.to_env);
        break;
      case "investigate":
        props.onInvestigate();
        break;
    }
  };

  return (
    <div class="delivery">
      <JourneyPanel
        summary={props.overview?.summary ?? journey?.summary}
        journey={journey}
        next={next}
        error={props.journeyError}
        busy={props.busy}
        onRun={runNext}
        onRetry={props.onRetryJourney}
      />
      <div class="action-grid">
        <BuildSourceCard projectId={project.id} onAccepted={props.onAccepted} />
        <DeliverCard
          busy={props.busy}
          hasImage={props.hasImage}
          filesLoaded={props.filesLoaded}
          onDeploy={props.onDeploy}
        />
        <PromoteCard
          envs={envs}
          from={from}
          to={to}
          onFrom={(v) => setPair({ from: v, to })}
          onTo={(v) => setPair({ from, to: v })}
          onPreview={() => props.onPromote(from, to)}
        />
      </div>
    </div>
  );
}

const MILESTONE_ICON: Record<string, string> = {
  complete: "✓",
  in_progress: "…",
  pending: "○",
  blocked: "!",
  failed: "×",
};

function JourneyPanel({
  summary,
  journey,
  next,
  error,
  busy,
  onRun,
  onRetry,
}: {
  summary?: string;
  journey: Journey | null;
  next: NextAction | null;
  error: string | null;
  busy: boolean;
  onRun: (a: NextAction) => void;
  onRetry: () => Promise<void>;
}) {
  const [retrying, setRetrying] = useState(false);
  const actionable = next && ACTIONABLE.has(next.kind);
  const retry = async () => {
    setRetrying(true);
    try {
      await onRetry();
    } finally {
      setRetrying(false);
    }
  };
  return (
    <section class="card journey" aria-labelledby="journey-h">
      <div class="card-head">
        <h2 id="journey-h">Journey</h2>
        <p class="muted journey-summary">{summary ?? (error ? "" : "Loading…")}</p>
      </div>
      {error ? (
        <div class="alert journey-error" role="alert" data-journey-error>
          <span>
            The journey did not load, so there is no next step to show:{" "}
            <span class="journey-error-reason">{error}</span>
          </span>
          <button type="button" class="btn" id="journey-retry" disabled={retrying} onClick={() => void retry()}>
            {retrying ? "Retrying…" : "Retry"}
          </button>
        </div>
      ) : null}
      <ol class="milestones">
        {(journey?.milestones ?? []).map((m) => (
          <li key={m.id} class={`milestone ms-${m.status}`} data-milestone={m.id} data-status={m.status}>
            <span class="ms-icon" aria-hidden="true">
              {MILESTONE_ICON[m.status] ?? "○"}
            </span>
            <span class="ms-text">
              <span class="ms-title">{m.title}</span>
              <span class="ms-detail" title={m.detail}>
                {m.detail}
              </span>
            </span>
            <span class="sr-only">({m.status.replace("_", " ")})</span>
          </li>
        ))}
      </ol>
      {next ? (
        <div class="next-action" data-next-kind={next.kind}>
          <div>
            <span class="eyebrow">Next step</span>
            <strong>{next.label}</strong>
            <span class="muted">{next.detail}</span>
          </div>
          {actionable ? (
            <button
              type="button"
              class="btn btn-primary"
              id="next-action-btn"
              disabled={busy && next.kind !== "investigate"}
              onClick={() => onRun(next)}
            >
              {next.label}
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function BuildSourceCard({ projectId, onAccepted }: { projectId: string; onAccepted: (res: Accepted) => void }) {
  const toast = useToast();
  const [over, setOver] = useState<WebhookOverrides>({});
  const [pending, setPending] = useState(false);
  const [warning, setWarning] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setPending(true);
    setWarning(null);
    try {
      const reply = await api.postSourceWebhook(webhookBody(projectId, over));
      const d = describeWebhookReply(reply);
      if (reply.accepted && reply.op) {
        onAccepted({ accepted: true, op: reply.op });
        toast("success", d.message);
      } else {
        setWarning(d.message);
        toast("warning", d.message);
      }
    } catch (err) {
      toast("error", describeError(err));
    } finally {
      setPending(false);
    }
  };

  const field = (key: keyof WebhookOverrides, label: string, placeholder: string) => (
    <label class="field">
      <span>{label}</span>
      <input
        name={`webhook-${key}`}
        value={over[key] ?? ""}
        placeholder={placeholder}
        onInput={(e) => setOver({ ...over, [key]: e.currentTarget.value })}
        autoComplete="off"
      />
    </label>
  );

  return (
    <form class="card action-card" onSubmit={submit} aria-labelledby="build-h">
      <h2 id="build-h">Build latest source</h2>
      <p class="muted">Posts the source webhook for main, the way the git hook does, and starts a ci build.</p>
      <details class="advanced">
        <summary>Advanced overrides</summary>
        <div class="field-grid">
          {field("repo", "Repo", "source")}
          {field("branch", "Branch", "main")}
          {field("ref", "Ref", "refs/heads/main")}
          {field("commit", "Commit", "manual-<hex ms>-<6 hex>")}
        </div>
      </details>
      <p class="inline-warning" role="status">
        {warning ?? ""}
      </p>
      <div class="card-foot">
        <button type="submit" class="btn btn-primary" id="build-latest" disabled={pending}>
          {pending ? "Posting…" : "Build latest source"}
        </button>
      </div>
    </form>
  );
}

function DeliverCard({
  busy,
  hasImage,
  filesLoaded,
  onDeploy,
}: {
  busy: boolean;
  hasImage: boolean;
  filesLoaded: boolean;
  onDeploy: () => Promise<void>;
}) {
  const [pending, setPending] = useState(false);
  const reason = busy
    ? "An operation is active; wait for it to finish."
    : !filesLoaded
      ? "Loading outputs…"
      : !hasImage
        ? "No build/image.txt yet: build the source first."
        : "Ships build/image.txt to dev.";
  return (
    <section class="card action-card" aria-labelledby="deliver-h">
      <h2 id="deliver-h">Deliver to dev</h2>
      <p class="muted" id="deliver-reason">
        {reason}
      </p>
      <div class="card-foot">
        <button
          type="button"
          class="btn btn-primary"
          id="deliver-dev"
          aria-describedby="deliver-reason"
          disabled={busy || !hasImage || pending}
          onClick={async () => {
            setPending(true);
            await onDeploy();
            setPending(false);
          }}
        >
          Deliver to dev
        </button>
      </div>
    </section>
  );
}

function PromoteCard(props: {
  envs: string[];
  from: string;
  to: string;
  onFrom: (v: string) => void;
  onTo: (v: string) => void;
  onPreview: () => void;
}) {
  const { envs, from, to } = props;
  const rails = transitionGuardrails(from, to, envs);
  const blocked = rails.some((r) => r.level === "error");
  const action = transitionAction(to);
  return (
    <section class="card action-card" aria-labelledby="promote-h">
      <h2 id="promote-h">Promote or release</h2>
      <div class="field-row">
        <SelectField label="From" name="promote-from" value={from} options={envs} onChange={props.onFrom} />
        <span class="arrow" aria-hidden="true">
          →
        </span>
        <SelectField
          label="To"
          name="promote-to"
          value={to}
          placeholder="choose…"
          options={envs}
          onChange={props.onTo}
        />
      </div>
      <ul class="rails" aria-live="polite">
        {rails.map((r) => (
          <li key={r.message} class={`rail rail-${r.level}`}>
            {r.message}
          </li>
        ))}
      </ul>
      <div class="card-foot">
        <button type="button" class="btn btn-primary" id="promote-preview" disabled={blocked} onClick={props.onPreview}>
          {action === "release" ? "Preview release…" : "Preview promotion…"}
        </button>
      </div>
    </section>
  );
}

import { useCallback, useState } from "preact/hooks";
import * as api from "../api.js";
import { usePagedList } from "../hooks/use-paged-list.js";
import { envArtifactLinks } from "../lib/artifacts.js";
import { formatTime, short12, timeAgo } from "../lib/format.js";
import type { EnvCard } from "../lib/journey.js";
import type { ReleaseRecord } from "../types.js";
import { Alert } from "./alert.js";
import { Badge } from "./badge.js";
import { LoadOlder } from "./load-older.js";

interface EnvironmentsTabProps {
  projectId: string;
  cards: EnvCard[];
  files: string[];
  refreshKey: number;
  now: number;
  onOpenArtifact: (path: string) => void;
  onUseForRollback: (env: string, releaseId: string) => void;
}

export function EnvironmentsTab(props: EnvironmentsTabProps) {
  const { cards } = props;
  const [current, setCurrent] = useState<Record<string, ReleaseRecord | null>>({});
  const onCurrent = useCallback(
    (env: string, rel: ReleaseRecord | null) => setCurrent((c) => (c[env] === rel ? c : { ...c, [env]: rel })),
    [],
  );
  if (cards.length === 0) return <p class="muted">Loading environments…</p>;
  return (
    <div class="environments">
      <div class="env-grid">
        {cards.map((c) => (
          <EnvironmentCard
            key={c.name}
            card={c}
            current={current[c.name]}
            files={props.files}
            now={props.now}
            onOpen={props.onOpenArtifact}
          />
        ))}
      </div>
      <h2 class="section-title">Release timeline</h2>
      <div class="timeline-grid">
        {cards.map((c) => (
          <ReleaseTimeline
            key={c.name}
            projectId={props.projectId}
            env={c.name}
            refreshKey={props.refreshKey}
            now={props.now}
            onUseForRollback={props.onUseForRollback}
            onCurrent={onCurrent}
          />
        ))}
      </div>
    </div>
  );
}

const HEALTH_TONE: Record<string, "ok" | "busy" | "bad" | "idle"> = {
  healthy: "ok",
  degraded: "busy",
  failing: "bad",
  unknown: "idle",
};

function EnvironmentCard({
  card: c,
  current,
  files,
  now,
  onOpen,
}: {
  card: EnvCard;
  /** The newest release record of this environment (undefined while loading, null when none). */
  current: ReleaseRecord | null | undefined;
  files: string[];
  now: number;
  onOpen: (p: string) => void;
}) {
  const links = envArtifactLinks(c.name, files);
  return (
    <article class={`card env-card${c.live ? " live" : ""}`} data-env={c.name} aria-labelledby={`env-${c.name}-h`}>
      <header class="env-card-head">
        <h3 id={`env-${c.name}-h`}>{c.name}</h3>
        <Badge tone={HEALTH_TONE[c.health] ?? "idle"} label={c.health} />
        <span class={`chip ${c.live ? "chip-ok" : ""}`}>{c.live ? "live" : "pending"}</span>
      </header>
      <code class="image env-image" title={c.image ? `${c.image} (${c.imageSource ?? "image"})` : undefined}>
        {c.image ?? "no image yet"}
      </code>
      <dl class="kv">
        <dt>Image from</dt>
        <dd>{c.imageSource ?? "—"}</dd>
        <dt>Delivery</dt>
        <dd>{c.deliveryType && c.deliveryType !== "none" ? c.deliveryType : "none yet"}</dd>
        <dt>Current release</dt>
        <dd title={current ? `${current.id} · ${formatTime(current.created_at)}` : undefined}>
          {current ? (
            <>
              <code>{short12(current.id)}</code> · {current.op_kind} · {timeAgo(current.created_at, now)}
            </>
          ) : current === null ? (
            "none"
          ) : (
            "…"
          )}
        </dd>
        <dt>Config</dt>
        <dd>
          {c.configReadiness ?? "—"} · secrets {c.secretsReadiness ?? "—"}
        </dd>
      </dl>
      {c.detail ? <p class="muted small">{c.detail}</p> : null}
      <div class="links" role="group" aria-label={`${c.name} artifacts`}>
        {links.length === 0 ? <span class="muted small">No manifests yet.</span> : null}
        {links.map((l) => (
          <button key={l.path} type="button" class="link-btn" title={l.path} onClick={() => onOpen(l.path)}>
            {l.label}
          </button>
        ))}
      </div>
    </article>
  );
}

function ReleaseTimeline({
  projectId,
  env,
  refreshKey,
  now,
  onUseForRollback,
  onCurrent,
}: {
  projectId: string;
  env: string;
  refreshKey: number;
  now: number;
  onUseForRollback: (env: string, releaseId: string) => void;
  onCurrent: (env: string, rel: ReleaseRecord | null) => void;
}) {
  const paged = usePagedList<ReleaseRecord>({
    fetchPage: (cursor) => api.listReleases(projectId, env, cursor),
    key: (r) => r.id,
    deps: [projectId, env, refreshKey],
    onFirstPage: (p) => onCurrent(env, p.items[0] ?? null),
  });
  const { list, error } = paged;

  return (
    <section class="card release-timeline" data-env={env} aria-labelledby={`rel-${env}-h`}>
      <h3 id={`rel-${env}-h`}>{env}</h3>
      <Alert message={error} />
      {list === null && !error ? <p class="muted small">Loading releases…</p> : null}
      {list && list.items.length === 0 ? <p class="muted small">No releases yet.</p> : null}
      <ol class="releases">
        {list?.items.map((r, i) => (
          <li key={r.id} class="release" data-release-id={r.id}>
            <div class="release-top">
              <strong>{r.op_kind}</strong>
              {r.from_env && r.from_env !== r.environment ? (
                <span class="muted small">
                  {r.from_env} → {r.environment}
                </span>
              ) : null}
              {i === 0 ? <span class="chip chip-ok">current</span> : null}
              <span class="muted small" title={formatTime(r.created_at)}>
                {timeAgo(r.created_at, now)}
              </span>
            </div>
            <code class="image small" title={r.image}>
              {r.image ?? "no image"}
            </code>
            <div class="release-foot">
              <code class="muted small" title={r.id}>
                {short12(r.id)}
              </code>
              {r.rollback_scope ? (
                <span class="muted small">
                  rollback of {short12(r.rollback_source_release)} ({r.rollback_scope})
                </span>
              ) : null}
              {r.rollback_safe === false ? <span class="chip chip-bad">unsafe</span> : null}
              <button type="button" class="link-btn" onClick={() => onUseForRollback(env, r.id)}>
                Use for rollback
              </button>
            </div>
          </li>
        ))}
      </ol>
      <LoadOlder paged={paged} small />
    </section>
  );
}

import { useEffect, useState } from "preact/hooks";
import * as api from "../api.js";
import { ApiError } from "../api.js";
import { deliveryEnvs } from "../lib/envs.js";
import { describeError } from "../lib/errors.js";
import { formatTime, short12 } from "../lib/format.js";
import type {
  Accepted,
  Delta,
  Project,
  ReleaseRecord,
  RollbackPreview,
  RollbackRequest,
  RollbackScope,
} from "../types.js";
import { Alert } from "./alert.js";
import { BlockerList, GateList } from "./gates.js";
import { Modal, ModalFoot } from "./modal.js";
import { SelectField } from "./select-field.js";

const SCOPES: { value: RollbackScope; label: string; detail: string }[] = [
  {
    value: "code_only",
    label: "Code only",
    detail: "Restore the release image; keep the current environment variables.",
  },
  {
    value: "code_and_config",
    label: "Code and config",
    detail: "Restore the image and the environment variables of the release's deployment snapshot.",
  },
  {
    value: "full_state",
    label: "Full state",
    detail: "Restore the release's rendered manifests byte for byte (and its variables).",
  },
];

interface RollbackDialogProps {
  project: Project;
  env: string;
  releaseId: string;
  onClose: () => void;
  onAccepted: (res: Accepted) => void;
}

const sameRequest = (a: RollbackRequest, p: RollbackPreview | null) =>
  !!p &&
  p.environment === a.environment &&
  p.release_id === a.release_id &&
  p.scope === a.scope &&
  !!p.override === !!a.override;

/** Scope, override, preflight (rollback preview with compare), then execute. */
export function RollbackDialog({ project, env: initialEnv, releaseId, onClose, onAccepted }: RollbackDialogProps) {
  const envs = deliveryEnvs(project.spec);
  const [env, setEnv] = useState(initialEnv);
  const [release, setRelease] = useState(releaseId);
  const [scope, setScope] = useState<RollbackScope>("code_only");
  const [override, setOverride] = useState(false);
  const [releases, setReleases] = useState<ReleaseRecord[]>([]);
  const [preview, setPreview] = useState<RollbackPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<"preflight" | "execute" | null>(null);

  useEffect(() => {
    let live = true;
    api
      .listReleases(project.id, env, undefined, 50)
      .then((p) => live && setReleases(p.items))
      .catch((err) => live && setError(describeError(err)));
    return () => {
      live = false;
    };
  }, [project.id, env]);

  const req: RollbackRequest = {
    project_id: project.id,
    environment: env,
    release_id: release,
    scope,
    ...(override ? { override: true } : {}),
  };
  const fresh = sameRequest(req, preview);

  const preflight = async () => {
    setPending("preflight");
    setError(null);
    try {
      setPreview(await api.previewRollback(req));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(null);
    }
  };

  const execute = async (e: Event) => {
    e.preventDefault();
    if (!fresh || !preview?.ready) return;
    setPending("execute");
    setError(null);
    try {
      onAccepted(await api.rollback(req));
    } catch (err) {
      // 400 ROLLBACK_NOT_READY carries the full preview: show its blockers.
      if (err instanceof ApiError && err.code === "ROLLBACK_NOT_READY" && err.body) {
        setPreview(err.body as RollbackPreview);
      }
      setError(describeError(err));
      setPending(null);
    }
  };

  return (
    <Modal title={`Roll back ${env}`} onClose={onClose} name="rollback" wide>
      <form class="stack" onSubmit={execute}>
        <div class="field-row">
          <SelectField
            label="Environment"
            name="rollback-env"
            value={env}
            options={envs}
            onChange={(v) => {
              setEnv(v);
              setRelease("");
            }}
          />
          <label class="field field-grow">
            <span>Release</span>
            <select name="rollback-release" value={release} onChange={(e) => setRelease(e.currentTarget.value)}>
              <option value="">choose a release…</option>
              {release && !releases.some((r) => r.id === release) ? <option value={release}>{release}</option> : null}
              {releases.map((r, i) => (
                <option key={r.id} value={r.id}>
                  {short12(r.id)} · {r.op_kind} · {formatTime(r.created_at)}
                  {i === 0 ? " (current)" : ""}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset class="scopes">
          <legend>Scope</legend>
          {SCOPES.map((s) => (
            <label key={s.value} class="radio">
              <input
                type="radio"
                name="rollback-scope"
                value={s.value}
                checked={scope === s.value}
                onChange={() => setScope(s.value)}
              />
              <span>
                <strong>{s.label}</strong> <code class="small">{s.value}</code>
                <span class="muted small block">{s.detail}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label class="checkbox">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
          <span>Override rollback_safe=false (roll back to a release marked unsafe)</span>
        </label>

        <section class="preview-box" aria-labelledby="rb-pv-h" aria-live="polite">
          <h3 id="rb-pv-h">Preflight</h3>
          {!preview ? (
            <p class="muted">Run the preflight to check gates and compare the release with what is live.</p>
          ) : (
            <>
              <p class={`preflight-result ${preview.ready ? "ok" : "bad"}`} data-ready={String(preview.ready)}>
                {preview.ready ? "Ready to roll back." : "Not ready: resolve the blockers below."}
                {!fresh ? <span class="muted"> (inputs changed since: run the preflight again)</span> : null}
              </p>
              {preview.compare ? <CompareSummary compare={preview.compare} /> : null}
              <BlockerList blockers={preview.blockers} />
              <GateList gates={preview.gates} />
            </>
          )}
        </section>
        <Alert message={error} />
        <ModalFoot
          onCancel={onClose}
          start={
            <button type="button" class="btn" id="rollback-preflight" onClick={preflight} disabled={pending !== null}>
              {pending === "preflight" ? "Checking…" : "Run preflight"}
            </button>
          }
        >
          <button
            type="submit"
            class="btn btn-danger"
            id="rollback-execute"
            disabled={!fresh || !preview?.ready || pending !== null}
          >
            {pending === "execute" ? "Starting…" : "Execute rollback"}
          </button>
        </ModalFoot>
      </form>
    </Modal>
  );
}

function DeltaRow({ label, d }: { label: string; d: Delta }) {
  const names = [
    ...(d.added ?? []).map((n) => `+${n}`),
    ...(d.removed ?? []).map((n) => `-${n}`),
    ...(d.updated ?? []).map((n) => `~${n}`),
  ];
  return (
    <li class={d.changed ? "changed" : ""}>
      <strong>{label}</strong>: {d.changed ? "changed" : "unchanged"}
      {label === "Image" && d.changed ? (
        <span class="small">
          {" "}
          <code>{d.from ?? "—"}</code> → <code>{d.to ?? "—"}</code>
        </span>
      ) : null}
      {names.length > 0 ? <span class="small muted"> ({names.join(", ")})</span> : null}
    </li>
  );
}

function CompareSummary({ compare }: { compare: NonNullable<RollbackPreview["compare"]> }) {
  return (
    <div class="compare">
      <p class="small">
        Current <code>{short12(compare.from_id)}</code> → selected <code>{short12(compare.to_id)}</code>:{" "}
        <span data-compare-summary>{compare.summary}</span>
      </p>
      <ul class="deltas">
        <DeltaRow label="Image" d={compare.image_delta} />
        <DeltaRow label="Config vars" d={compare.config_delta} />
        <DeltaRow label="Rendered manifest" d={compare.rendered_delta} />
      </ul>
    </div>
  );
}

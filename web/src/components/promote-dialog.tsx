import { useEffect, useState } from "preact/hooks";
import * as api from "../api.js";
import { confirmationMatches, confirmationPhrase, transitionAction, type TransitionAction } from "../lib/confirm.js";
import { describeError } from "../lib/errors.js";
import { formatTime, short12 } from "../lib/format.js";
import type { Accepted, Project, PromotionPreview, PreviewRelease } from "../types.js";
import { Alert } from "./alert.js";
import { BlockerList, GateList } from "./gates.js";
import { Modal, ModalFoot } from "./modal.js";
import { TypedConfirmation } from "./typed-confirmation.js";

interface PromoteDialogProps {
  project: Project;
  from: string;
  to: string;
  onClose: () => void;
  onAccepted: (res: Accepted, action: TransitionAction) => void;
}

/** Preview → typed confirmation `<promote|release> <from> to <to>` → POST promotion or release. */
export function PromoteDialog({ project, from, to, onClose, onAccepted }: PromoteDialogProps) {
  const [preview, setPreview] = useState<PromotionPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const [pending, setPending] = useState(false);

  const load = async () => {
    setError(null);
    try {
      setPreview(await api.previewPromotion(project.id, from, to));
    } catch (err) {
      setError(describeError(err));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const action: TransitionAction = preview?.action ?? transitionAction(to);
  const phrase = confirmationPhrase(action, from, to);
  const blocked = !preview || preview.blockers.length > 0;
  const matches = confirmationMatches(typed, phrase);
  const verb = action === "release" ? "Release" : "Promote";

  const confirm = async (e: Event) => {
    e.preventDefault();
    if (blocked || !matches) return;
    setPending(true);
    setError(null);
    try {
      onAccepted(await api.promote(project.id, from, to, action === "release"), action);
    } catch (err) {
      setError(describeError(err));
      setPending(false);
    }
  };

  return (
    <Modal title={`${verb} ${from} → ${to}`} onClose={onClose} name="promote" wide>
      <form onSubmit={confirm} class="stack">
        <section aria-labelledby="pv-h" class="preview-box" aria-busy={!preview && !error}>
          <h3 id="pv-h">Preview</h3>
          {preview ? (
            <>
              <p class="change-summary" data-blocked={blocked ? "true" : "false"}>
                {preview.change_summary}
              </p>
              <div class="release-pair">
                <ReleaseBox label={`Source (${from})`} rel={preview.source_release} />
                <ReleaseBox label={`Target (${to})`} rel={preview.target_release} />
              </div>
              <BlockerList blockers={preview.blockers} />
              <GateList gates={preview.gates} />
              <p class="muted small">Rollout: {preview.rollout_plan.join(" → ")}</p>
            </>
          ) : error ? null : (
            <p class="muted">Asking the server for a preview…</p>
          )}
        </section>
        <Alert message={error} />
        <TypedConfirmation
          name="confirm-text"
          phrase={phrase}
          value={typed}
          onInput={setTyped}
          invalid={typed !== "" && !matches}
        />
        <ModalFoot
          onCancel={onClose}
          start={
            <button type="button" class="btn" onClick={() => void load()}>
              Refresh preview
            </button>
          }
        >
          <button
            type="submit"
            class="btn btn-primary"
            id="confirm-transition"
            disabled={blocked || !matches || pending}
          >
            {pending ? "Starting…" : `${verb} ${from} to ${to}`}
          </button>
        </ModalFoot>
      </form>
    </Modal>
  );
}

function ReleaseBox({ label, rel }: { label: string; rel?: PreviewRelease }) {
  return (
    <div class="release-box">
      <span class="eyebrow">{label}</span>
      {rel ? (
        <>
          <code class="image">{rel.image ?? "no image"}</code>
          <span class="muted small">
            release {short12(rel.id)} · {rel.op_kind ?? rel.delivery_stage} · {formatTime(rel.created_at)}
          </span>
        </>
      ) : (
        <span class="muted">no current release</span>
      )}
    </div>
  );
}

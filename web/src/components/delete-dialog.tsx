import { useState } from "preact/hooks";
import * as api from "../api.js";
import { confirmationMatches } from "../lib/confirm.js";
import { describeError } from "../lib/errors.js";
import type { Accepted, Project } from "../types.js";
import { Alert } from "./alert.js";
import { Modal, ModalFoot } from "./modal.js";
import { TypedConfirmation } from "./typed-confirmation.js";

/** Delete an app after typing its name. */
export function DeleteDialog({
  project,
  onClose,
  onAccepted,
}: {
  project: Project;
  onClose: () => void;
  onAccepted: (res: Accepted) => void;
}) {
  const name = project.spec.name || project.id;
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const ok = confirmationMatches(typed, name);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ok) return;
    setPending(true);
    try {
      onAccepted(await api.deleteProject(project.id));
    } catch (err) {
      setError(describeError(err));
      setPending(false);
    }
  };

  return (
    <Modal title={`Delete ${name}`} onClose={onClose} name="delete">
      <form class="stack" onSubmit={submit}>
        <p>
          This removes the app, its repos, outputs and release history pointers. Its operations stay readable. This
          cannot be undone.
        </p>
        <TypedConfirmation name="delete-confirm" phrase={name} value={typed} onInput={setTyped} />
        <Alert message={error} />
        <ModalFoot onCancel={onClose}>
          <button type="submit" class="btn btn-danger" id="delete-confirm-btn" disabled={!ok || pending}>
            {pending ? "Deleting…" : "Delete app"}
          </button>
        </ModalFoot>
      </form>
    </Modal>
  );
}

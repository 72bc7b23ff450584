import { useState } from "preact/hooks";
import * as api from "../api.js";
import {
  cleanEnvKey,
  defaultAppForm,
  formFromProject,
  RUNTIMES,
  specFromForm,
  validateForm,
  VAR_KEY_RE,
  type AppForm,
  type EnvForm,
} from "../lib/envs.js";
import { describeError, validationErrors } from "../lib/errors.js";
import type { Accepted, Project } from "../types.js";
import { Modal, ModalFoot } from "./modal.js";
import { SelectField } from "./select-field.js";

/** Network policy choices (SPEC §2.1). */
const POLICIES: readonly AppForm["ingress"][] = ["internal", "none"];

interface AppFormDialogProps {
  /** Edit this project; create a new one when absent. */
  project?: Project;
  onClose: () => void;
  onAccepted: (res: Accepted) => void;
}

/** Create (registration create) or edit (PUT) an app: name, id, runtime, capabilities, policies, envs and vars. */
export function AppFormDialog({ project, onClose, onAccepted }: AppFormDialogProps) {
  const creating = !project;
  const [form, setForm] = useState<AppForm>(() =>
    project ? formFromProject(project.spec, project.id) : defaultAppForm(),
  );
  const [errors, setErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);

  const set = (patch: Partial<AppForm>) => setForm((f) => ({ ...f, ...patch }));
  const setEnv = (i: number, env: EnvForm) =>
    setForm((f) => ({ ...f, envs: f.envs.map((e, j) => (j === i ? env : e)) }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const local = validateForm(form, creating);
    setErrors(local);
    if (local.length > 0) return;
    setPending(true);
    try {
      const spec = specFromForm(form);
      const res = project
        ? await api.updateProject(project.id, spec)
        : await api.createProject(spec, form.projectId.trim() || undefined);
      onAccepted(res);
    } catch (err) {
      const list = validationErrors(err);
      setErrors(list.length > 0 ? list : [describeError(err)]);
      setPending(false);
    }
  };

  const runtimes: string[] = RUNTIMES.includes(form.runtime as (typeof RUNTIMES)[number])
    ? [...RUNTIMES]
    : [form.runtime, ...RUNTIMES];

  return (
    <Modal title={creating ? "Create app" : `Edit ${project.spec.name}`} onClose={onClose} name="app-form" wide>
      <form class="stack" onSubmit={submit} noValidate>
        <div class="field-grid">
          <label class="field">
            <span>Name</span>
            <input
              name="name"
              value={form.name}
              onInput={(e) => set({ name: e.currentTarget.value })}
              placeholder="shop-api"
              required
              autoComplete="off"
              data-autofocus
            />
          </label>
          <label class="field">
            <span>App id {creating ? <span class="muted">(optional)</span> : null}</span>
            <input
              name="project-id"
              value={form.projectId}
              onInput={(e) => set({ projectId: e.currentTarget.value })}
              placeholder={creating ? "generated when empty" : ""}
              disabled={!creating}
              autoComplete="off"
            />
          </label>
          <SelectField
            label="Runtime"
            name="runtime"
            value={form.runtime}
            options={runtimes}
            onChange={(runtime) => set({ runtime })}
          />
          <label class="field">
            <span>Capabilities</span>
            <input
              name="capabilities"
              value={form.capabilities}
              onInput={(e) => set({ capabilities: e.currentTarget.value })}
              placeholder="http, worker"
              autoComplete="off"
            />
          </label>
          <SelectField
            label="Ingress"
            name="ingress"
            value={form.ingress}
            options={POLICIES}
            onChange={(ingress) => set({ ingress })}
          />
          <SelectField
            label="Egress"
            name="egress"
            value={form.egress}
            options={POLICIES}
            onChange={(egress) => set({ egress })}
          />
        </div>

        <fieldset class="envs">
          <legend>Environments</legend>
          {form.envs.map((env, i) => (
            <EnvEditor
              key={i}
              env={env}
              onChange={(e) => setEnv(i, e)}
              onRemove={() => setForm((f) => ({ ...f, envs: f.envs.filter((_, j) => j !== i) }))}
            />
          ))}
          <button
            type="button"
            class="btn btn-small"
            onClick={() => setForm((f) => ({ ...f, envs: [...f.envs, { name: "", vars: [] }] }))}
          >
            Add environment
          </button>
        </fieldset>

        {errors.length > 0 ? (
          <div class="alert" role="alert">
            <ul>
              {errors.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          </div>
        ) : null}
        <ModalFoot onCancel={onClose}>
          <button type="submit" class="btn btn-primary" id="app-form-submit" disabled={pending}>
            {pending ? "Saving…" : creating ? "Create app" : "Save changes"}
          </button>
        </ModalFoot>
      </form>
    </Modal>
  );
}

function EnvEditor({
  env,
  onChange,
  onRemove,
}: {
  env: EnvForm;
  onChange: (e: EnvForm) => void;
  onRemove: () => void;
}) {
  const setVar = (i: number, key: string, value: string) =>
    onChange({ ...env, vars: env.vars.map((v, j) => (j === i ? { key, value } : v)) });
  const label = env.name || "new environment";
  return (
    <div class="env-editor" data-env-editor={env.name}>
      <div class="env-editor-head">
        <label class="field">
          <span class="sr-only">Environment name</span>
          <input
            value={env.name}
            aria-label="Environment name"
            placeholder="environment name"
            onInput={(e) => onChange({ ...env, name: e.currentTarget.value })}
            autoComplete="off"
          />
        </label>
        <button type="button" class="btn btn-small btn-danger-ghost" onClick={onRemove} aria-label={`Remove ${label}`}>
          Remove
        </button>
      </div>
      <table class="vars">
        <tbody>
          {env.vars.map((v, i) => {
            const bad = v.key !== "" && !VAR_KEY_RE.test(v.key);
            return (
              <tr key={i}>
                <td>
                  <input
                    class={`mono${bad ? " invalid" : ""}`}
                    aria-label={`${label} variable ${i + 1} name`}
                    aria-invalid={bad}
                    value={v.key}
                    placeholder="NAME"
                    onInput={(e) => setVar(i, e.currentTarget.value, v.value)}
                    autoComplete="off"
                  />
                </td>
                <td>
                  <input
                    aria-label={`${label} variable ${i + 1} value`}
                    value={v.value}
                    placeholder="value"
                    onInput={(e) => setVar(i, v.key, e.currentTarget.value)}
                    autoComplete="off"
                  />
                </td>
                <td class="vars-actions">
                  <button
                    type="button"
                    class="btn btn-small"
                    disabled={!bad}
                    title="Upper-case and replace invalid characters with _"
                    aria-label={`Clean ${label} variable ${i + 1} name`}
                    onClick={() => setVar(i, cleanEnvKey(v.key), v.value)}
                  >
                    Clean
                  </button>
                  <button
                    type="button"
                    class="icon-btn"
                    aria-label={`Remove ${label} variable ${v.key || i + 1}`}
                    onClick={() => onChange({ ...env, vars: env.vars.filter((_, j) => j !== i) })}
                  >
                    ×
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        class="link-btn small"
        onClick={() => onChange({ ...env, vars: [...env.vars, { key: "", value: "" }] })}
      >
        + Add variable
      </button>
    </div>
  );
}

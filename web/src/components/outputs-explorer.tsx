import { Fragment, type Ref } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api.js";
import {
  artifactUrl,
  decodePreview,
  filterArtifacts,
  groupArtifacts,
  PREVIEW_LIMIT,
  quickLinks,
  type Preview,
} from "../lib/artifacts.js";
import { describeError } from "../lib/errors.js";
import { formatBytes, formatTime } from "../lib/format.js";
import type { PublishRecord } from "../types.js";
import { Alert } from "./alert.js";
import { useToast } from "./toasts.js";

interface OutputsExplorerProps {
  sectionRef: Ref<HTMLElement>;
  projectId: string;
  files: string[] | null;
  loading: boolean;
  error: string | null;
  selected: string | null;
  onSelect: (path: string) => void;
  onReload: () => void;
}

const PUBLISH = "build/publish-local-daemon.json";

/** The async Clipboard API needs a secure context (https, localhost); plain http elsewhere falls back to execCommand. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy refused");
}

/** Artifact list with filter and quick links, a preview pane, and the build's publish evidence. */
export function OutputsExplorer(props: OutputsExplorerProps) {
  const { projectId, files, selected } = props;
  const [filter, setFilter] = useState("");
  const shown = files ? filterArtifacts(files, filter) : [];
  const quick = files ? quickLinks(files) : [];
  const hasPublish = !!files?.includes(PUBLISH);

  return (
    <section class="card outputs" ref={props.sectionRef} aria-labelledby="outputs-h" tabIndex={-1}>
      <div class="card-head">
        <h2 id="outputs-h">Outputs</h2>
        <span class="muted small">
          {files ? `${files.length} files` : props.loading ? "loading…" : ""} · press <kbd>a</kbd> to reload
        </span>
        <span class="spacer" />
        <button type="button" class="btn btn-small" onClick={props.onReload} disabled={props.loading}>
          {props.loading ? "Loading…" : "Reload outputs"}
        </button>
      </div>
      <Alert message={props.error} />
      {quick.length > 0 ? (
        <nav class="quick-links" aria-label="Quick links">
          {quick.map((q) => (
            <button
              key={q.path}
              type="button"
              class={`chip chip-btn${q.path === selected ? " active" : ""}`}
              onClick={() => props.onSelect(q.path)}
            >
              {q.label}
            </button>
          ))}
        </nav>
      ) : null}
      {hasPublish ? <BuildEvidence projectId={projectId} key={files?.length} /> : null}
      <div class="outputs-body">
        <div class="file-pane">
          <label class="field">
            <span class="sr-only">Filter outputs</span>
            <input
              type="search"
              name="artifact-filter"
              placeholder="Filter files…"
              value={filter}
              onInput={(e) => setFilter(e.currentTarget.value)}
              autoComplete="off"
            />
          </label>
          <div class="file-list" role="group" aria-label="Output files">
            {files && shown.length === 0 ? <p class="muted small">No files match.</p> : null}
            {groupArtifacts(shown).map((g) => (
              <div key={g.group} class="file-group">
                <h3 class="file-group-h">{g.group}/</h3>
                <ul>
                  {g.files.map((f) => (
                    <li key={f}>
                      <button
                        type="button"
                        class={`file-btn${f === selected ? " active" : ""}`}
                        aria-current={f === selected ? "true" : undefined}
                        data-path={f}
                        title={f}
                        onClick={() => props.onSelect(f)}
                      >
                        {f.slice(g.group.length + 1) || f}
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        </div>
        <ArtifactPreview projectId={projectId} path={selected} files={files} />
      </div>
    </section>
  );
}

/** `files` changes on every reload of the list: the open file is read again then (an op may have rewritten it). */
function ArtifactPreview({
  projectId,
  path,
  files,
}: {
  projectId: string;
  path: string | null;
  files: string[] | null;
}) {
  const toast = useToast();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);

  const shownPath = useRef<string | null>(null);

  useEffect(() => {
    // A different file starts empty; the same file re-read after a reload keeps its text until the new one is in.
    if (shownPath.current !== path) setPreview(null);
    shownPath.current = path;
    setError(null);
    if (!path) return;
    const ctrl = new AbortController();
    api
      .readArtifactHead(projectId, path, PREVIEW_LIMIT, ctrl.signal)
      .then(({ bytes, total }) => setPreview(decodePreview(bytes, total)))
      .catch((err) => {
        if (!ctrl.signal.aborted) setError(describeError(err));
      });
    return () => ctrl.abort();
  }, [projectId, path, files]);

  const copy = async () => {
    if (preview?.kind !== "text") return;
    try {
      await copyText(preview.text);
      toast("success", `Copied ${path}${preview.truncated ? " (first 20 000 bytes)" : ""}.`);
    } catch {
      toast("error", "The browser did not allow copying to the clipboard.");
    }
  };

  if (!path) {
    return (
      <div class="preview-pane empty-preview">
        <p class="muted">Choose a file to preview it.</p>
      </div>
    );
  }
  return (
    <section class="preview-pane" aria-labelledby="preview-h" data-path={path}>
      <div class="preview-head">
        <h3 id="preview-h" class="mono" title={path}>
          {path}
        </h3>
        {preview ? <span class="muted small">{formatBytes(preview.size)}</span> : null}
        <span class="spacer" />
        <button type="button" class="btn btn-small" onClick={copy} disabled={preview?.kind !== "text"}>
          Copy
        </button>
        <a class="btn btn-small" href={artifactUrl(projectId, path)} download>
          Download
        </a>
      </div>
      <Alert message={error} />
      {!preview && !error ? <p class="muted">Loading…</p> : null}
      {preview?.kind === "binary" ? (
        <p class="notice" data-preview="binary">
          Binary file ({formatBytes(preview.size)}): no preview. Use Download.
        </p>
      ) : null}
      {preview?.kind === "text" ? (
        <>
          {preview.truncated ? (
            <p class="notice small" data-preview="truncated">
              Showing the first {preview.shown.toLocaleString("en-US")} of {preview.size.toLocaleString("en-US")} bytes.
            </p>
          ) : null}
          <pre class="code preview-text" data-preview="text" tabIndex={0}>
            {preview.text || "(empty file)"}
          </pre>
        </>
      ) : null}
    </section>
  );
}

/** BuildKit (or artifact-mode) evidence from build/publish-local-daemon.json (SPEC §9.5). */
function BuildEvidence({ projectId }: { projectId: string }) {
  const [rec, setRec] = useState<PublishRecord | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .readArtifactJson<PublishRecord>(projectId, PUBLISH)
      .then(setRec)
      .catch((err) => setError(describeError(err)));
  }, [projectId]);
  if (error) return <p class="muted small">Build evidence unavailable: {error}</p>;
  if (!rec) return null;
  const rows: [string, string | undefined][] = [
    ["Image", rec.image],
    ["Digest", rec.image_digest],
    ["Backend", rec.builder_backend],
    [
      "Mode",
      `${rec.effective_builder_mode ?? rec.builder_mode ?? "?"} (requested ${rec.requested_builder_mode ?? "?"}${rec.builder_mode_explicit ? ", explicit" : ""})`,
    ],
    [
      "BuildKit",
      [rec.buildkit_addr, rec.buildkit_exporter && `exporter ${rec.buildkit_exporter}`].filter(Boolean).join(" · ") ||
        undefined,
    ],
    ["Source commit", rec.source_commit],
    ["Published", rec.published_at ? formatTime(rec.published_at) : undefined],
    ["Fallback", rec.builder_mode_fallback_reason],
    ["Warning", rec.builder_mode_warning],
    ["Policy", rec.builder_mode_policy_error],
  ];
  return (
    <details class="evidence" open>
      <summary>Build evidence</summary>
      <dl class="kv kv-wide">
        {rows
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd>
                <code>{v}</code>
              </dd>
            </Fragment>
          ))}
      </dl>
    </details>
  );
}

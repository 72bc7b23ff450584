// Outputs explorer logic: artifact URLs, filtering, quick links and text/binary detection for previews
// (SPEC §8.2, §13 "Outputs explorer").

/** Previews show at most this many bytes. */
export const PREVIEW_LIMIT = 20_000;

/** `/api/projects/{id}/artifacts/{path}` with each path segment percent-encoded. */
export function artifactUrl(projectId: string, path: string): string {
  const segs = path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
  return `/api/projects/${encodeURIComponent(projectId)}/artifacts/${segs}`;
}

/** Total size from `Content-Range: bytes a-b/size` (undefined when absent or `*`). */
export function parseContentRange(header: string | null | undefined): number | undefined {
  const m = /\/(\d+)\s*$/.exec(header ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Case-insensitive; every whitespace-separated term must be in the path. */
export function filterArtifacts(files: string[], query: string): string[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return files;
  return files.filter((f) => {
    const l = f.toLowerCase();
    return terms.every((t) => l.includes(t));
  });
}

/** Files grouped by first path segment, groups in first-seen order. */
export function groupArtifacts(files: string[]): { group: string; files: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const i = f.indexOf("/");
    const g = i === -1 ? "(root)" : f.slice(0, i);
    const list = groups.get(g) ?? [];
    list.push(f);
    groups.set(g, list);
  }
  return [...groups].map(([group, list]) => ({ group, files: list }));
}

export const QUICK_LINKS: { path: string; label: string }[] = [
  { path: "build/image.txt", label: "Image reference" },
  { path: "build/publish-local-daemon.json", label: "Publish record" },
  { path: "build/Dockerfile", label: "Dockerfile" },
  { path: "build/buildkit-summary.txt", label: "BuildKit summary" },
  { path: "build/buildkit.log", label: "BuildKit log" },
  { path: "deploy/dev/rendered.yaml", label: "Dev manifests" },
  { path: "registration/project.yaml", label: "Project spec" },
  { path: "repos/bootstrap-local.json", label: "Repo bootstrap" },
];

export function quickLinks(files: string[]): { path: string; label: string }[] {
  const have = new Set(files);
  return QUICK_LINKS.filter((q) => have.has(q.path));
}

/** The artifact links of one environment card: rendered, deployment, service, image marker (when present). */
export function envArtifactLinks(env: string, files: string[]): { path: string; label: string }[] {
  const have = new Set(files);
  return [
    { path: `deploy/${env}/rendered.yaml`, label: "rendered" },
    { path: `deploy/${env}/deployment.yaml`, label: "deployment" },
    { path: `deploy/${env}/service.yaml`, label: "service" },
    { path: `repos/manifests/overlays/${env}/image.txt`, label: "image marker" },
  ].filter((l) => have.has(l.path));
}

export type Preview =
  { kind: "text"; text: string; size: number; shown: number; truncated: boolean } | { kind: "binary"; size: number };

/** Length of a trailing, incomplete UTF-8 sequence (cut by truncation), 0 when the end is complete. */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/**
 * Text or binary? Binary when the bytes hold a NUL, are not valid UTF-8 (ignoring a sequence cut off at the end),
 * or more than 10% are control characters other than tab, newline, carriage return, form feed and escape.
 */
export function detectText(bytes: Uint8Array): string | null {
  const body = bytes.subarray(0, bytes.length - incompleteUtf8Tail(bytes));
  let control = 0;
  for (const b of body) {
    if (b === 0) return null;
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 27) control++;
  }
  if (body.length > 0 && control / body.length > 0.1) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return null;
  }
}

/** The preview of the first bytes of a file of `size` bytes (at most PREVIEW_LIMIT are shown). */
export function decodePreview(bytes: Uint8Array, size: number): Preview {
  const head = bytes.length > PREVIEW_LIMIT ? bytes.subarray(0, PREVIEW_LIMIT) : bytes;
  const total = Math.max(size, bytes.length);
  const text = detectText(head);
  if (text === null) return { kind: "binary", size: total };
  return { kind: "text", text, size: total, shown: head.length, truncated: total > head.length };
}

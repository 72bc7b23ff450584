import { parse } from "yaml";
import type { RenderedEnvironment } from "./render.js";

/** Where the three files of one render live (relative to the project's artifact dir). */
export interface RenderPaths {
  deployment: string;
  service: string;
  rendered: string;
}

/** `deploy/<env>`: the latest render of an environment (SPEC §8.1). */
export function deployDir(env: string): string {
  return `deploy/${env}`;
}

/** `history/<env>/<releaseId>`: the immutable snapshot owned by a release record (SPEC §7.6). */
export function historyDir(env: string, releaseId: string): string {
  return `history/${env}/${releaseId}`;
}

/** The `deployment.yaml`, `service.yaml` and `rendered.yaml` paths inside dir. */
export function renderPaths(dir: string): RenderPaths {
  return {
    deployment: `${dir}/deployment.yaml`,
    service: `${dir}/service.yaml`,
    rendered: `${dir}/rendered.yaml`,
  };
}

/** The files a render writes into dir: path → content. */
export function renderFiles(dir: string, rendered: RenderedEnvironment): Map<string, string> {
  const paths = renderPaths(dir);
  return new Map([
    [paths.deployment, rendered.deployment],
    [paths.rendered, rendered.rendered],
    [paths.service, rendered.service],
  ]);
}

// A block-style `image:` key, alone or as the first key of a list item; `imagePullPolicy:` does not match.
const IMAGE_LINE = /^[ \t]*(?:-[ \t]+)?image:[ \t]*(.*)$/;

/** The container image of the first non-empty `image:` line of a manifest, or undefined when there is none. */
export function imageLineOf(manifest: string): string | undefined {
  for (const line of manifest.split(/\r?\n/)) {
    const raw = IMAGE_LINE.exec(line)?.[1].trim();
    if (!raw) continue;
    const image = raw.startsWith('"') || raw.startsWith("'") ? unquote(raw) : raw.replace(/[ \t]+#.*$/, "");
    if (image.trim() !== "") return image.trim();
  }
  return undefined;
}

function unquote(scalar: string): string {
  try {
    const value: unknown = parse(scalar);
    return typeof value === "string" ? value : scalar;
  } catch {
    return scalar;
  }
}

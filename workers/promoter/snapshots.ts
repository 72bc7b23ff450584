import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ReleaseRecord } from "../types.js";
import type { ProjectSpec } from "../shared/spec-types.js";
import { safeName } from "../shared/ids.js";
import { deployDir, imageLineOf, renderPaths } from "../manifest-renderer/index.js";

/** Read an artifact (relative to projectDir); null when absent. Paths never leave the project dir. */
export async function readArtifact(projectDir: string, rel: string | undefined): Promise<string | null> {
  if (!rel || rel.split("/").some((s) => s === ".." || s === "")) return null;
  try {
    return await readFile(join(projectDir, rel), "utf8");
  } catch {
    return null;
  }
}

/**
 * The image a promotion or release carries forward from `from` (SPEC §7.3 plan): the `image:` line of
 * `deploy/<from>/deployment.yaml`, else the overlay marker of `<from>`, else `local/<safeName>:latest`.
 */
export async function sourceImage(projectDir: string, spec: Pick<ProjectSpec, "name">, from: string): Promise<string> {
  const deployed = imageLineOf((await readArtifact(projectDir, renderPaths(deployDir(from)).deployment)) ?? "");
  if (deployed) return deployed;
  const marker = (await readArtifact(projectDir, `repos/manifests/overlays/${from}/image.txt`))?.trim();
  if (marker) return marker;
  return `local/${safeName(spec.name)}:latest`;
}

/** The release's config snapshot path (SPEC §7.4): `config_path`, else `<dir of rendered_path>/deployment.yaml`. */
export function configSnapshotPath(r: ReleaseRecord): string | undefined {
  if (r.config_path) return r.config_path;
  if (r.rendered_path) return `${dirname(r.rendered_path)}/deployment.yaml`;
  return undefined;
}

/** The image a release delivered: its record, else its config snapshot's, else its rendered snapshot's. */
export async function releaseImage(projectDir: string, r: ReleaseRecord): Promise<string | undefined> {
  if (r.image?.trim()) return r.image.trim();
  return (
    imageLineOf((await readArtifact(projectDir, configSnapshotPath(r))) ?? "") ??
    imageLineOf((await readArtifact(projectDir, r.rendered_path)) ?? "")
  );
}

interface K8sDoc {
  kind?: string;
  spec?: {
    template?: { spec?: { containers?: { env?: { name?: string; value?: string; valueFrom?: unknown }[] }[] } };
  };
}

/** Kubernetes kinds present in a multi-document YAML text. */
export function kindsOf(text: string): string[] {
  return parseAllDocuments(text)
    .map((d) => (d.toJS() as K8sDoc | null)?.kind)
    .filter((k): k is string => typeof k === "string");
}

/** Container env vars of every Deployment in a YAML text; `valueFrom` entries read as `<valueFrom>`. */
export function deploymentVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const d of parseAllDocuments(text)) {
    let doc: K8sDoc | null;
    try {
      doc = d.toJS() as K8sDoc | null; // an unparsable document has no vars
    } catch {
      continue;
    }
    if (doc?.kind !== "Deployment") continue;
    for (const c of doc.spec?.template?.spec?.containers ?? []) {
      for (const e of c.env ?? []) {
        if (e.name)
          vars[e.name] = e.valueFrom !== undefined && e.valueFrom !== null ? "<valueFrom>" : String(e.value ?? "");
      }
    }
  }
  return vars;
}

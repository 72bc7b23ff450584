import { join } from "node:path";
import { readFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { StepError, type ReleaseRecord, type StepContext } from "../types.js";
import type { ProjectSpec } from "../shared/spec-types.js";
import { newId32, nowIso } from "../shared/ids.js";
import { syncFile } from "../shared/fs-atomic.js";
import { commitPaths, currentBranch, headSha } from "../git/index.js";
import { buildTree, environmentsOf, staleOverlays, type ManifestTree } from "./kustomize.js";
import { renderOverlay, type RenderedEnvironment } from "./render.js";
import { deployDir, historyDir, renderFiles, renderPaths } from "./history.js";
import { imageDigest } from "./image-ref.js";
import { validateManifestFiles, validateManifests } from "./validate.js";

export const MANIFESTS = "repos/manifests";
const TREE_PATHS = ["kustomization.yaml", "base", "overlays"];

async function readText(path: string): Promise<string | null> {
  try {
    return readFileSync(path, "utf8"); // small files on the local disk: see workers/shared/fs-atomic.ts
  } catch {
    return null;
  }
}

/** Fail unless the manifests repo is on `main` (SPEC §8.1 repo rules). */
export async function requireManifestsOnMain(repo: string): Promise<void> {
  const branch = await currentBranch(repo);
  if (branch === "main") return;
  const head = (await readText(join(repo, ".git", "HEAD")))?.trim().replace(/^ref: /, "") ?? "unknown";
  throw new StepError(`manifests repo is not on branch main (HEAD=${branch ?? head})`);
}

/** The current image markers of every overlay (`overlays/<env>/image.txt`), trimmed. */
export async function readMarkers(repo: string, envs: string[]): Promise<Record<string, string>> {
  const markers: Record<string, string> = {};
  for (const env of envs) {
    const m = (await readText(join(repo, "overlays", env, "image.txt")))?.trim();
    if (m) markers[env] = m;
  }
  return markers;
}

/**
 * Write files (relative to projectDir) and return their paths. A file that already holds its content is left alone
 * (same inode, so git does not re-read it either) but still listed: the step's result is the same either way.
 */
export async function writeAll(projectDir: string, files: Map<string, string>): Promise<string[]> {
  for (const [rel, content] of files) await syncFile(join(projectDir, rel), content);
  return [...files.keys()];
}

/**
 * Rewrite the kustomize tree of the manifests repo from `spec`, with `env`'s overlay marker set to `image`
 * (others keep theirs), removing overlays of environments no longer in the spec (SPEC §10.1).
 */
export async function writeTree(
  ctx: StepContext,
  spec: ProjectSpec,
  env: string,
  image: string,
): Promise<{ tree: ManifestTree; artifacts: string[] }> {
  const repo = join(ctx.projectDir, MANIFESTS);
  await requireManifestsOnMain(repo);
  const markers = { ...(await readMarkers(repo, environmentsOf(spec))), [env]: image };
  const tree = buildTree(spec, markers);
  // Nothing invalid reaches the GitOps repo: every tree file is checked against the Kubernetes schemas first.
  validateManifestFiles(tree);
  const artifacts = await writeAll(ctx.projectDir, new Map([...tree].map(([p, c]) => [`${MANIFESTS}/${p}`, c])));
  const existing = await readdir(join(repo, "overlays")).catch(() => [] as string[]);
  for (const stale of staleOverlays(spec, existing))
    await rm(join(repo, "overlays", stale), { recursive: true, force: true });
  return { tree, artifacts };
}

/** Commit the tree (only when it changed) and return the manifests repo HEAD. */
export async function commitTree(ctx: StepContext, subject: string): Promise<string> {
  const repo = join(ctx.projectDir, MANIFESTS);
  await requireManifestsOnMain(repo);
  // Only the platform reads the manifests repo, and not through isomorphic-git: a new tree may be one pack.
  return (await commitPaths(repo, TREE_PATHS, subject, { pack: true })).head;
}

/** Write a render into `deploy/<env>/` and any extra dirs; returns the paths written. */
export async function writeRender(
  ctx: StepContext,
  env: string,
  rendered: RenderedEnvironment,
  extraDirs: string[] = [],
): Promise<string[]> {
  validateManifests(rendered.rendered);
  const artifacts = await writeAll(ctx.projectDir, renderFiles(deployDir(env), rendered));
  for (const dir of extraDirs) artifacts.push(...(await writeAll(ctx.projectDir, renderFiles(dir, rendered))));
  return artifacts;
}

/** The three files of `deploy/<env>/` as they are on disk. */
export async function readRender(projectDir: string, env: string): Promise<RenderedEnvironment | null> {
  const p = renderPaths(deployDir(env));
  const [deployment, service, rendered] = await Promise.all(
    [p.deployment, p.service, p.rendered].map((f) => readText(join(projectDir, f))),
  );
  if (deployment === null || service === null || rendered === null) return null;
  return { deployment, service, rendered };
}

/**
 * Write the op's release record for `env` with its immutable snapshot `history/<env>/<id>/` (SPEC §7.6). At most
 * one record per (op, env): a redelivered step finds and reuses the one it wrote.
 */
export async function recordRelease(
  ctx: StepContext,
  r: {
    env: string;
    stage: string;
    image: string;
    rendered: RenderedEnvironment;
    fromEnv?: string;
    extra?: Partial<ReleaseRecord>;
  },
): Promise<{ release: ReleaseRecord; artifacts: string[] }> {
  const existing = await ctx.releases.findForOp(ctx.projectId, r.env, ctx.opId);
  const id = existing?.id ?? newId32();
  const snapshot = historyDir(r.env, id);
  const artifacts = await writeAll(ctx.projectDir, renderFiles(snapshot, r.rendered));
  if (existing) return { release: existing, artifacts };
  const paths = renderPaths(snapshot);
  const digest = imageDigest(r.image);
  const head = await headSha(join(ctx.projectDir, MANIFESTS)).catch(() => "");
  const release: ReleaseRecord = {
    id,
    project_id: ctx.projectId,
    environment: r.env,
    op_id: ctx.opId,
    op_kind: ctx.opKind,
    delivery_stage: r.stage,
    ...(r.fromEnv ? { from_env: r.fromEnv } : {}),
    to_env: r.env,
    image: r.image,
    ...(digest ? { image_digest: digest } : {}),
    ...(head ? { manifests_commit: head } : {}),
    rendered_path: paths.rendered,
    config_path: paths.deployment,
    rollback_safe: true,
    ...r.extra,
    created_at: nowIso(),
  };
  await ctx.releases.write(release);
  return { release, artifacts };
}

export interface DeliveryResult {
  rendered: RenderedEnvironment;
  release: ReleaseRecord;
  artifacts: string[];
}

/**
 * Deliver an image to one environment in one step: tree, render, commit, release record (dev renders of
 * create/update/ci and `deploy`, SPEC §7.2). Safe to re-run for the same op.
 */
export async function deliverEnvironment(
  ctx: StepContext,
  opts: { env: string; image: string; subject: string; stage: string },
): Promise<DeliveryResult> {
  const { tree, artifacts } = await writeTree(ctx, ctx.spec, opts.env, opts.image);
  const rendered = renderOverlay(tree, opts.env);
  artifacts.push(...(await writeRender(ctx, opts.env, rendered)));
  await commitTree(ctx, opts.subject);
  const { release, artifacts: snap } = await recordRelease(ctx, {
    env: opts.env,
    stage: opts.stage,
    image: opts.image,
    rendered,
  });
  return { rendered, release, artifacts: [...artifacts, ...snap] };
}

import { join } from "node:path";
import { readFile, readdir, rm } from "node:fs/promises";
import { StepError, type ReleaseRecord, type StepContext } from "../types.js";
import { newId32, nowIso } from "../shared/ids.js";
import { writeFileAtomic } from "../shared/fs-atomic.js";
import { commitPaths, currentBranch } from "../git/index.js";
import { buildTree, environmentsOf, staleOverlays } from "./kustomize.js";
import { renderOverlay, type RenderedEnvironment } from "./render.js";
import { deployDir, historyDir, renderFiles, renderPaths } from "./history.js";
import { imageDigest } from "./image-ref.js";

const MANIFESTS = "repos/manifests";

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
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

/** Write files (relative to projectDir) and return their paths. */
export async function writeAll(projectDir: string, files: Map<string, string>): Promise<string[]> {
  for (const [rel, content] of files) await writeFileAtomic(join(projectDir, rel), content);
  return [...files.keys()];
}

export interface DeliveryResult {
  rendered: RenderedEnvironment;
  release: ReleaseRecord;
  artifacts: string[];
}

/**
 * Deliver an image to one environment: rewrite and commit the kustomize tree with the env's marker set to
 * the image, render the overlay into `deploy/<env>/`, and write the op's release record with its immutable
 * history snapshot (SPEC §7.6, §10). Safe to re-run for the same op: one release record per op and env.
 */
export async function deliverEnvironment(
  ctx: StepContext,
  opts: { env: string; image: string; subject: string; stage: string; fromEnv?: string; extraDirs?: string[] },
): Promise<DeliveryResult> {
  const repo = join(ctx.projectDir, MANIFESTS);
  await requireManifestsOnMain(repo);
  const envs = environmentsOf(ctx.spec);
  const markers = { ...(await readMarkers(repo, envs)), [opts.env]: opts.image };
  const tree = buildTree(ctx.spec, markers);

  const treeFiles = new Map([...tree].map(([p, c]) => [`${MANIFESTS}/${p}`, c]));
  const artifacts = await writeAll(ctx.projectDir, treeFiles);
  const existingOverlays = await readdir(join(repo, "overlays")).catch(() => [] as string[]);
  for (const stale of staleOverlays(ctx.spec, existingOverlays)) {
    await rm(join(repo, "overlays", stale), { recursive: true, force: true });
  }
  const { head } = await commitPaths(repo, ["kustomization.yaml", "base", "overlays"], opts.subject);

  const rendered = renderOverlay(tree, opts.env);
  artifacts.push(...(await writeAll(ctx.projectDir, renderFiles(deployDir(opts.env), rendered))));
  for (const dir of opts.extraDirs ?? [])
    artifacts.push(...(await writeAll(ctx.projectDir, renderFiles(dir, rendered))));

  const existing = await ctx.releases.findForOp(ctx.projectId, opts.env, ctx.opId);
  const id = existing?.id ?? newId32();
  const snapshot = historyDir(opts.env, id);
  artifacts.push(...(await writeAll(ctx.projectDir, renderFiles(snapshot, rendered))));
  const paths = renderPaths(snapshot);
  const digest = imageDigest(opts.image);
  const release: ReleaseRecord = existing ?? {
    id,
    project_id: ctx.projectId,
    environment: opts.env,
    op_id: ctx.opId,
    op_kind: ctx.opKind,
    delivery_stage: opts.stage,
    ...(opts.fromEnv ? { from_env: opts.fromEnv } : {}),
    to_env: opts.env,
    image: opts.image,
    ...(digest ? { image_digest: digest } : {}),
    ...(head ? { manifests_commit: head } : {}),
    rendered_path: paths.rendered,
    config_path: paths.deployment,
    rollback_safe: true,
    created_at: nowIso(),
  };
  if (!existing) await ctx.releases.write(release);
  return { rendered, release, artifacts };
}

import { join } from "node:path";
import { readFile } from "node:fs/promises";
import git from "isomorphic-git";
import fs from "node:fs";
import { StepError, type StepContext, type StepResult, type Worker } from "../types.js";
import { nowIso, safeName, short12 } from "../shared/ids.js";
import { writeFileAtomic } from "../shared/fs-atomic.js";
import { headSha, withGitTimeout } from "../git/index.js";
import { buildStartMessage, builderModeFields } from "./mode.js";
import { generateDockerfile } from "./dockerfile.js";

/** The image reference of a build: `local/<safeName>:<short12(opId)>` (SPEC §0.1). */
export function imageRefFor(name: string, opId: string): string {
  return `local/${safeName(name)}:${short12(opId)}`;
}

/** The commit a build uses: the ci op's commit when it names a commit object, else refs/heads/main. */
async function sourceCommit(ctx: StepContext, repo: string): Promise<string> {
  const wanted = typeof ctx.input.commit === "string" ? ctx.input.commit.trim() : "";
  if (/^[0-9a-f]{40}$/.test(wanted)) {
    const found = await withGitTimeout("read commit", () =>
      git.readCommit({ fs, dir: repo, oid: wanted }).then(
        () => true,
        () => false,
      ),
    );
    if (found) return wanted;
  }
  return headSha(repo, "refs/heads/main").catch(() => "");
}

/** The repo's own root Dockerfile at the commit, if any. */
async function repoDockerfile(repo: string, commit: string): Promise<string | null> {
  if (!commit) return null;
  try {
    const { blob } = await git.readBlob({ fs, dir: repo, oid: commit, filepath: "Dockerfile" });
    return Buffer.from(blob).toString("utf8");
  } catch {
    return null;
  }
}

async function build(ctx: StepContext): Promise<StepResult> {
  const mode = ctx.settings.builder;
  const repo = join(ctx.projectDir, "repos", "source");
  const commit = await sourceCommit(ctx, repo);
  const dockerfile = (await repoDockerfile(repo, commit)) ?? generateDockerfile(ctx.spec, ctx.settings.buildBaseImage);
  await writeFileAtomic(join(ctx.projectDir, "build", "Dockerfile"), dockerfile);
  if (mode.policyError) throw new StepError(mode.policyError);
  if (mode.effective === "buildkit") {
    throw new StepError("buildkit backend is not available in this build; set PAAS_IMAGE_BUILDER_MODE=artifact");
  }
  const image = imageRefFor(ctx.spec.name, ctx.opId);
  const publish = {
    op_id: ctx.opId,
    project_id: ctx.projectId,
    image,
    source_commit: commit,
    runtime: ctx.spec.runtime,
    published_at: nowIso(),
    daemon_target: "local",
    builder_backend: "artifact",
    ...builderModeFields(mode),
  };
  await writeFileAtomic(
    join(ctx.projectDir, "build", "publish-local-daemon.json"),
    `${JSON.stringify(publish, null, 2)}\n`,
  );
  await writeFileAtomic(join(ctx.projectDir, "build", "image.txt"), `${image}\n`);
  return {
    message: "container image built and published to local daemon",
    artifacts: ["build/Dockerfile", "build/image.txt", "build/publish-local-daemon.json"],
  };
}

async function prunePlan(ctx: StepContext): Promise<StepResult> {
  await writeFileAtomic(
    join(ctx.projectDir, "build", "image-prune.txt"),
    `prune local image for project=${ctx.projectId} op=${ctx.opId}\n`,
  );
  return { message: "container prune plan generated", artifacts: ["build/image-prune.txt"] };
}

/** The build step (SPEC §9): artifact mode here; BuildKit plugs in behind the same step. */
export const imageBuilder: Worker = {
  name: "imageBuilder",
  startMessage: (ctx) => buildStartMessage(ctx.settings.builder),
  run: (ctx) => (ctx.opKind === "delete" ? prunePlan(ctx) : build(ctx)),
};

/** Read the latest build image (`build/image.txt`, trimmed); '' when none. */
export async function latestBuildImage(projectDir: string): Promise<string> {
  try {
    return (await readFile(join(projectDir, "build", "image.txt"), "utf8")).trim();
  } catch {
    return "";
  }
}

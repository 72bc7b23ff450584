import { join, resolve } from "node:path";
import { commitPaths, commitSequence, currentBranch, headSha, initRepo } from "../git/index.js";
import { readFileOrNull, syncFile, writeFileAtomic } from "../shared/fs-atomic.js";
import { safeName, short12 } from "../shared/ids.js";
import { StepError, type StepContext, type StepResult, type Worker } from "../types.js";
import { HOOK_MODE, SOURCE_HOOK_NAMES, renderHookScript, webhookEndpoint } from "./hooks.js";
import { starterFiles } from "./starter.js";

const START_MESSAGE = "bootstrap source and manifests repos";
const END_MESSAGE = "bootstrapped local source/manifests git repos and installed source webhook";
const DELETE_MESSAGE = "repository teardown plan generated";
const TEARDOWN_PLAN = "archive source repo\narchive manifests repo\nremove project workspace\n";
const BRANCH = "main";

/**
 * The repoBootstrap step (SPEC §8.1): creates/updates the project's source and manifests git repos and installs
 * the source webhook hooks; idempotent, so a redelivered step changes nothing and commits nothing.
 */
export const repoBootstrap: Worker = {
  name: "repoBootstrap",
  startMessage: () => START_MESSAGE,
  run: (ctx) => (ctx.opKind === "delete" ? teardown(ctx) : bootstrap(ctx)),
};

async function teardown(ctx: StepContext): Promise<StepResult> {
  await writeFileAtomic(join(ctx.projectDir, "repos", "teardown-plan.txt"), TEARDOWN_PLAN);
  return { message: DELETE_MESSAGE, artifacts: ["repos/teardown-plan.txt"] };
}

async function bootstrap(ctx: StepContext): Promise<StepResult> {
  const projectDir = resolve(ctx.projectDir);
  const sourceDir = join(projectDir, "repos", "source");
  const manifestsDir = join(projectDir, "repos", "manifests");
  const artifacts: string[] = [];

  // Fail on a foreign manifests branch before touching the source repo: renders could not commit there either.
  await initRepo(manifestsDir);
  const manifestsBranch = await currentBranch(manifestsDir);
  if (manifestsBranch !== BRANCH) {
    const ref = manifestsBranch ?? ((await headSha(manifestsDir)) || "HEAD");
    throw new StepError(`manifests repo is not on branch main (HEAD=${ref})`);
  }

  await bootstrapSource(ctx, sourceDir, artifacts);
  ctx.signal.throwIfAborted();
  await bootstrapManifests(ctx, manifestsDir, artifacts);

  const local = {
    project_id: ctx.projectId,
    source_repo_path: sourceDir,
    source_branch: BRANCH,
    source_head: await headSha(sourceDir, `refs/heads/${BRANCH}`),
    manifests_repo: manifestsDir,
    manifests_branch: BRANCH,
    manifests_head: await headSha(manifestsDir, `refs/heads/${BRANCH}`),
    webhook_endpoint: webhookEndpoint(ctx.settings.localApiBaseUrl),
    webhook_event_repo: "source",
  };
  await syncArtifact(projectDir, "repos/bootstrap-local.json", jsonFile(local), artifacts);
  return { message: END_MESSAGE, artifacts };
}

async function bootstrapSource(ctx: StepContext, dir: string, artifacts: string[]): Promise<void> {
  await initRepo(dir);
  const projectDir = resolve(ctx.projectDir);
  const s12 = short12(ctx.opId);
  const readme = { path: "README.md", content: `# ${ctx.spec.name} source\n\nRuntime: ${ctx.spec.runtime}\n` };

  // README and starter files belong to the user once they exist: write only missing ones, and stage a file only
  // when it holds exactly our content (just written, or written by a run cut off before its commit).
  const bootstrapPaths: string[] = [];
  for (const file of [readme, ...starterFiles(ctx.spec)]) {
    const current = await readOrNull(join(dir, file.path));
    if (current === null) {
      await writeFileAtomic(join(dir, file.path), file.content);
      artifacts.push(`repos/source/${file.path}`);
    }
    if (current === null || current === file.content) bootstrapPaths.push(file.path);
  }

  const repoJson = { project_id: ctx.projectId, repo: "source", path: dir, branch: BRANCH };
  const webhookJson = {
    project_id: ctx.projectId,
    repo: "source",
    branch: BRANCH,
    endpoint: webhookEndpoint(ctx.settings.localApiBaseUrl),
    hooks: [...SOURCE_HOOK_NAMES],
  };
  await syncArtifact(projectDir, "repos/source/.paas/repo.json", jsonFile(repoJson), artifacts);
  await syncArtifact(projectDir, "repos/source/.paas/webhook.json", jsonFile(webhookJson), artifacts);

  // Secret and hooks live inside .git: never artifacts, never committed; rewritten whenever they differ from what
  // the store and the settings say (content or mode), so they always match.
  const secret = await ctx.secrets.getOrCreateWebhookSecret(ctx.projectId);
  await syncFile(join(dir, ".git", "paas-webhook-secret"), secret);
  const hook = renderHookScript({ projectId: ctx.projectId, endpointBase: ctx.settings.localApiBaseUrl });
  for (const hookName of SOURCE_HOOK_NAMES) {
    await syncFile(join(dir, ".git", "hooks", hookName), hook, HOOK_MODE);
  }

  const branch = await currentBranch(dir);
  if (branch !== BRANCH) {
    // The platform never checks out another branch in a user's repo; it just leaves its changes uncommitted.
    ctx.log.warn(
      { projectId: ctx.projectId, opId: ctx.opId, repo: dir, head: branch ?? "(detached)" },
      "source repo is not on branch main; skipping platform commits",
    );
    return;
  }
  // Two commits (SPEC §8.1 subjects), written in one pass: one index write and one ref update.
  const webhookPaths = [".paas/repo.json", ".paas/webhook.json"];
  await commitSequence(dir, [
    ...(bootstrapPaths.length > 0
      ? [{ paths: bootstrapPaths, subject: `platform-sync: bootstrap source repo (${s12})` }]
      : []),
    { paths: webhookPaths, subject: `platform-sync: configure source webhook (${s12})` },
  ]);
}

async function bootstrapManifests(ctx: StepContext, dir: string, artifacts: string[]): Promise<void> {
  const projectDir = resolve(ctx.projectDir);
  const s12 = short12(ctx.opId);
  const readme = `# ${ctx.spec.name} manifests\n\nTarget image: local/${safeName(ctx.spec.name)}:latest\n`;
  const repoJson = { project_id: ctx.projectId, repo: "manifests", path: dir, branch: BRANCH };
  await syncArtifact(projectDir, "repos/manifests/README.md", readme, artifacts);
  await syncArtifact(projectDir, "repos/manifests/.paas/repo.json", jsonFile(repoJson), artifacts);
  // Its first commit is one pack: nothing reads this repo through isomorphic-git (the source repo stays loose, as
  // the image builder and the commit watcher read it that way).
  await commitPaths(dir, ["README.md", ".paas/repo.json"], `platform-sync: bootstrap manifests repo (${s12})`, {
    pack: true,
  });
}

/** 2-space JSON with a trailing newline (SPEC §8.1). */
function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

async function readOrNull(path: string): Promise<string | null> {
  return readFileOrNull(path)?.toString("utf8") ?? null;
}

/** Write `projectDir/rel` atomically unless it already holds `content`; a written file becomes an artifact. */
async function syncArtifact(projectDir: string, rel: string, content: string, artifacts: string[]): Promise<void> {
  const path = join(projectDir, rel);
  if ((await readOrNull(path)) === content) return;
  await writeFileAtomic(path, content);
  artifacts.push(rel);
}

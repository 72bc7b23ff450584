import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { StepError, type StepContext, type StepResult, type Worker } from "../types.js";
import { nowIso, safeName, short12 } from "../shared/ids.js";
import { writeFileAtomic } from "../shared/fs-atomic.js";
import { headSha, readCommitInfo, readFileAtCommit, withGitTimeout } from "../git/index.js";
import { buildStartMessage, builderModeFields } from "./mode.js";
import { generateDockerfile } from "./dockerfile.js";
import { buildContextTar } from "./context-tar.js";
import { defaultExporter, MAX_VERTEX_EVENTS, runBuild } from "./buildkit/index.js";

/** The image reference of a build: `local/<safeName>:<short12(opId)>` (SPEC §0.1). */
export function imageRefFor(name: string, opId: string): string {
  return `local/${safeName(name)}:${short12(opId)}`;
}

/** The commit a build uses: the ci op's commit when it names a commit object, else refs/heads/main. */
async function sourceCommit(ctx: StepContext, repo: string): Promise<string> {
  const wanted = typeof ctx.input.commit === "string" ? ctx.input.commit.trim() : "";
  if (/^[0-9a-f]{40}$/.test(wanted)) {
    const found = await withGitTimeout("read commit", () => readCommitInfo(repo, wanted));
    if (found) return wanted;
  }
  return headSha(repo, "refs/heads/main").catch(() => "");
}

/** The repo's own root Dockerfile at the commit, if any. */
async function repoDockerfile(repo: string, commit: string): Promise<string | null> {
  if (!commit) return null;
  const blob = await readFileAtCommit(repo, commit, "Dockerfile").catch(() => null);
  return blob ? blob.toString("utf8") : null;
}

const BUILD = "build";
const files = {
  dockerfile: `${BUILD}/Dockerfile`,
  image: `${BUILD}/image.txt`,
  publish: `${BUILD}/publish-local-daemon.json`,
  summary: `${BUILD}/buildkit-summary.txt`,
  metadata: `${BUILD}/buildkit-metadata.json`,
  log: `${BUILD}/buildkit.log`,
};

function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The publish record of SPEC §9.5, shared by both backends. */
function publishRecord(
  ctx: StepContext,
  image: string,
  commit: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const digest = imageDigestOf(image);
  return {
    op_id: ctx.opId,
    project_id: ctx.projectId,
    image,
    ...(digest ? { image_digest: digest } : {}),
    source_commit: commit,
    runtime: ctx.spec.runtime,
    published_at: nowIso(),
    daemon_target: "local",
    ...extra,
    ...builderModeFields(ctx.settings.builder),
  };
}

function imageDigestOf(ref: string): string | undefined {
  return /@(sha256:[0-9a-f]{64})$/.exec(ref)?.[1];
}

async function build(ctx: StepContext): Promise<StepResult> {
  const mode = ctx.settings.builder;
  const repo = join(ctx.projectDir, "repos", "source");
  const commit = await sourceCommit(ctx, repo);
  const generated = generateDockerfile(ctx.spec, ctx.settings.buildBaseImage);
  // BuildKit mode: tar the commit's tree while its Dockerfile is read and written (all three only read the repo).
  const tar =
    mode.effective === "buildkit" && !mode.policyError && commit ? buildContextTar(repo, commit, generated) : undefined;
  tar?.catch(() => undefined); // awaited by buildWithBuildkit; dropped when a step before it fails
  const fromRepo = await repoDockerfile(repo, commit);
  await writeFileAtomic(join(ctx.projectDir, files.dockerfile), fromRepo ?? generated);
  if (mode.policyError) throw new StepError(mode.policyError, { artifacts: [files.dockerfile] });
  const ref = imageRefFor(ctx.spec.name, ctx.opId);
  if (mode.effective === "buildkit") {
    return buildWithBuildkit(ctx, {
      repo,
      commit,
      ref,
      generated,
      dockerfileSource: fromRepo ? "repo" : "generated",
      tar,
    });
  }
  await writeFileAtomic(
    join(ctx.projectDir, files.publish),
    jsonFile(publishRecord(ctx, ref, commit, { builder_backend: "artifact" })),
  );
  await writeFileAtomic(join(ctx.projectDir, files.image), `${ref}\n`);
  return {
    message: "container image built and published to local daemon",
    artifacts: [files.dockerfile, files.image, files.publish],
  };
}

/**
 * BuildKit mode (SPEC §9.2–9.5): tar the source tree at the commit, serve it once from a capability URL,
 * Solve through BuildKit's Control API, stream vertex changes as `step.progress`, and record the digest.
 */
async function buildWithBuildkit(
  ctx: StepContext,
  b: {
    repo: string;
    commit: string;
    ref: string;
    generated: string;
    dockerfileSource: "repo" | "generated";
    /** The context tar when the caller started it already. */
    tar?: Promise<Uint8Array>;
  },
): Promise<StepResult> {
  const mode = ctx.settings.builder;
  const addr = mode.buildkitAddr ?? "";
  const exporter = defaultExporter(addr);
  const startedAt = nowIso();
  const t0 = Date.now();
  const logLines: string[] = [];
  const progress: Promise<void>[] = [];
  const base = {
    project_id: ctx.projectId,
    op_id: ctx.opId,
    builder_backend: "buildkit",
    runtime: ctx.spec.runtime,
    source_commit: b.commit,
    dockerfile_path: files.dockerfile,
    dockerfile_source: b.dockerfileSource,
    started_at: startedAt,
    buildkit_addr: addr,
    buildkit_exporter: exporter,
  };
  // The build files are independent of each other (each written atomically): write them concurrently.
  const finish = (status: "ok" | "failed", image: string, failure?: string) => {
    const completedAt = nowIso();
    const durationMs = Date.now() - t0;
    const digest = imageDigestOf(image);
    const out: [string, string][] = [
      [files.log, logLines.length ? `${logLines.join("\n")}\n` : ""],
      [
        files.metadata,
        jsonFile({
          ...base,
          image,
          ...(digest ? { image_digest: digest } : {}),
          status,
          ...(failure ? { failure } : {}),
          completed_at: completedAt,
          duration_ms: durationMs,
          ...builderModeFields(mode),
        }),
      ],
      [
        files.summary,
        status === "ok" ? `status=ok image=${image} duration_ms=${durationMs}\n` : `status=failed error=${failure}\n`,
      ],
    ];
    return Promise.all(out.map(([path, text]) => writeFileAtomic(join(ctx.projectDir, path), text)));
  };
  const failedArtifacts = [files.dockerfile, files.summary, files.metadata, files.log];

  let served: { url: string; revoke(): void } | undefined;
  let contextUrl: Promise<string> | undefined;
  try {
    if (!b.commit) throw new StepError("source repo has no commit on main to build");
    // The context tar is finished and served while runBuild connects to the daemon.
    contextUrl = (async () => {
      const tar = await (b.tar ?? buildContextTar(b.repo, b.commit, b.generated));
      served = ctx.buildContexts.serve(tar);
      return served.url;
    })();
    const result = await runBuild({
      addr,
      contextUrl,
      imageName: b.ref,
      exporter,
      timeoutMs: ctx.settings.buildTimeoutMs,
      signal: ctx.signal,
      // Every vertex change goes to buildkit.log; at most 500 become step.progress events (SPEC §9.2).
      maxVertexEvents: Infinity,
      onVertex: (v) => {
        logLines.push(
          `vertex ${v.completed ? "done" : v.cached ? "cached" : v.error ? "error" : "started"}: ${v.name}${v.error ? ` (${v.error})` : ""}`,
        );
        if (progress.length < MAX_VERTEX_EVENTS) {
          progress.push(ctx.emit({ message: v.name, cached: v.cached, completed: v.completed, error: v.error }));
        }
      },
      onLog: (line) => logLines.push(line),
    });
    const image = result.digest ? `${b.ref}@${result.digest}` : b.ref;
    const publish = publishRecord(ctx, image, b.commit, {
      builder_backend: "buildkit",
      buildkit_addr: addr,
      buildkit_exporter: exporter,
    });
    // The progress events drain while the build files are written; image.txt and the publish record (what later
    // steps take as the latest build) only once both succeeded.
    for (const r of await Promise.allSettled([Promise.all(progress), finish("ok", image)]))
      if (r.status === "rejected") throw r.reason;
    await Promise.all([
      writeFileAtomic(join(ctx.projectDir, files.publish), jsonFile(publish)),
      writeFileAtomic(join(ctx.projectDir, files.image), `${image}\n`),
    ]);
    return {
      message: "container image built and published to local daemon",
      artifacts: [...failedArtifacts, files.image, files.publish],
    };
  } catch (err) {
    await Promise.allSettled(progress);
    // The context URL is a capability: never let it reach an artifact, an op error or an event.
    const message = (err as Error).message.replace(
      /\/_build\/context\/[0-9a-f]{64}\.tar/g,
      "/_build/context/<redacted>",
    );
    await finish("failed", b.ref, message);
    const transient = err instanceof StepError ? err.transient : false;
    throw new StepError(message, { transient, cause: err, artifacts: failedArtifacts });
  } finally {
    // runBuild may have given up before the context was ready: revoke its URL once it exists.
    await contextUrl?.catch(() => undefined);
    served?.revoke();
  }
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

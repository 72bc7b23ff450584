import { join, dirname } from "node:path";
import { rm } from "node:fs/promises";
import { StepError, type StepContext, type StepResult, type Worker } from "../types.js";
import { nowIso, short12 } from "../shared/ids.js";
import { writeFileAtomic } from "../shared/fs-atomic.js";
import { latestBuildImage } from "../image-builder/index.js";
import { deliverEnvironment } from "./deliver.js";

/**
 * Deliver the latest build (`build/image.txt`) to dev: the last step of create/update/ci and the `deploy` op
 * (SPEC §7.2). `missing` is the error when there is no build yet.
 */
export async function deliverLatestBuildToDev(ctx: StepContext, missing: string): Promise<StepResult> {
  const image = await latestBuildImage(ctx.projectDir);
  if (!image) throw new StepError(missing);
  const { artifacts } = await deliverEnvironment(ctx, {
    env: "dev",
    image,
    stage: "deploy",
    subject: `platform-sync: deploy dev manifests (${short12(ctx.opId)})`,
  });
  return { message: "deployed kustomize manifests for dev environment", artifacts };
}

/** Delete: remove the project directory and leave a note outside it (SPEC §8.1 `_audit/`). */
async function teardown(ctx: StepContext): Promise<StepResult> {
  const root = dirname(ctx.projectDir);
  await writeFileAtomic(
    join(root, "_audit", `${ctx.projectId}.deleted.txt`),
    `project=${ctx.projectId} deleted at ${nowIso()} op=${ctx.opId}\n`,
  );
  await rm(ctx.projectDir, { recursive: true, force: true });
  return { message: "project deleted and artifacts cleaned", artifacts: [] };
}

/** Last step of create/update/ci/delete: commit the kustomize tree and render dev (SPEC §10). */
export const manifestRenderer: Worker = {
  name: "manifestRenderer",
  startMessage: () => "render and deploy dev manifests from kustomize overlays",
  run: (ctx) =>
    ctx.opKind === "delete"
      ? teardown(ctx)
      : deliverLatestBuildToDev(ctx, "no build image found; run create/update/ci before rendering manifests"),
};

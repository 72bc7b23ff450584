import { StepError, type Worker } from "../types.js";
import { short12 } from "../shared/ids.js";
import { latestBuildImage } from "../image-builder/index.js";
import { deliverEnvironment } from "../manifest-renderer/index.js";

/** `deploy` (SPEC §7.2): the latest build image to dev — render, commit, release record. */
export const deployer: Worker = {
  name: "deployer",
  startMessage: () => "deploy manifests for a single environment",
  async run(ctx) {
    const image = await latestBuildImage(ctx.projectDir);
    if (!image) throw new StepError("no build image found; run create/update/ci before deploy");
    const { artifacts } = await deliverEnvironment(ctx, {
      env: "dev",
      image,
      stage: "deploy",
      subject: `platform-sync: deploy dev manifests (${short12(ctx.opId)})`,
    });
    return { message: "deployed kustomize manifests for dev environment", artifacts };
  },
};

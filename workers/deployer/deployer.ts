import type { Worker } from "../types.js";
import { deliverLatestBuildToDev } from "../manifest-renderer/index.js";

/** `deploy` (SPEC §7.2): the latest build image to dev — render, commit, release record. */
export const deployer: Worker = {
  name: "deployer",
  startMessage: () => "deploy manifests for a single environment",
  run: (ctx) => deliverLatestBuildToDev(ctx, "no build image found; run create/update/ci before deploy"),
};

import type { Worker } from "./types.js";
import { registrar } from "./registrar/index.js";
import { repoBootstrap } from "./repo-bootstrap/index.js";
import { imageBuilder } from "./image-builder/index.js";
import { manifestRenderer } from "./manifest-renderer/index.js";
import { deployer } from "./deployer/index.js";
import { promoterWorkers } from "./promoter/index.js";

export * from "./types.js";
export { resolveBuilderMode, probeBuildkit } from "./image-builder/index.js";

/** Every step implementation the engine runs. */
export const ALL_WORKERS: Worker[] = [
  registrar,
  repoBootstrap,
  imageBuilder,
  manifestRenderer,
  deployer,
  ...promoterWorkers,
];
export { CommitWatcher } from "./commit-watcher/index.js";
export type { CommitOutcome, SeenCommit } from "./commit-watcher/index.js";

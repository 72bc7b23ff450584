import type { Worker } from "./types.js";
import { registrar } from "./registrar/index.js";
import { repoBootstrap } from "./repo-bootstrap/index.js";
import { imageBuilder } from "./image-builder/index.js";
import { manifestRenderer } from "./manifest-renderer/index.js";

export * from "./types.js";
export { resolveBuilderMode, probeBuildkit } from "./image-builder/index.js";

/** Every step implementation the engine runs. */
export const ALL_WORKERS: Worker[] = [registrar, repoBootstrap, imageBuilder, manifestRenderer];
export { CommitWatcher } from "./commit-watcher/index.js";
export type { CommitOutcome, SeenCommit } from "./commit-watcher/index.js";
